//! Searching and paging a portal list: the `?q=…&page=…` query and the window of
//! rows a page shows, the same for users and groups.

use serde::Deserialize;

/// Rows per page.
const PAGE_SIZE: usize = 25;

/// A list page's query: the search text and the page number (from 0).
#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) page: usize,
}

impl SearchQuery {
    /// The search text, trimmed, as the page shows it.
    pub(crate) fn text(&self) -> String {
        self.q.trim().to_string()
    }

    /// Whether `values` (a row's searchable texts) contain the search text, ignoring case.
    pub(crate) fn matches<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> bool {
        let needle = self.q.trim().to_lowercase();
        needle.is_empty()
            || values
                .into_iter()
                .any(|v| v.to_lowercase().contains(&needle))
    }
}

/// The page of `total` matching rows a query asks for (the last one when it asks past it).
pub(crate) struct Window {
    pub(crate) page: usize,
    pub(crate) total: usize,
    /// The index of the page's first row.
    pub(crate) first: usize,
    pub(crate) previous: Option<usize>,
    pub(crate) next: Option<usize>,
}

impl Window {
    pub(crate) fn new(total: usize, page: usize) -> Window {
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = page.min(pages - 1);
        Window {
            page,
            total,
            first: page * PAGE_SIZE,
            previous: page.checked_sub(1),
            next: (page + 1 < pages).then_some(page + 1),
        }
    }

    /// This page's rows of `rows`.
    pub(crate) fn of<T>(&self, rows: Vec<T>) -> impl Iterator<Item = T> {
        rows.into_iter().skip(self.first).take(PAGE_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::Window;

    #[test]
    fn a_window_stays_within_the_rows() {
        let last = Window::new(60, 9);
        assert_eq!(
            (last.page, last.first, last.previous, last.next),
            (2, 50, Some(1), None)
        );
        let empty = Window::new(0, 3);
        assert_eq!((empty.page, empty.first, empty.next), (0, 0, None));
        assert_eq!(Window::new(60, 0).of((0..60).collect()).count(), 25);
    }
}
