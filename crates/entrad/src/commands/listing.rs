//! Streaming a Graph GET to a writer: page by page, with progress.

use std::pin::pin;

use entrad_graph::{GraphClient, RawBody, RawPage};
use futures_util::{Stream, TryStreamExt};

use crate::commands::failure::Failure;
use crate::commands::session::Session;
use crate::error::Error;
use crate::output::progress::Progress;
use crate::output::{Meta, Sink};

/// What was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Items written.
    pub items: u64,
    /// Pages read.
    pub pages: u64,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} item{} in {} page{}",
            self.items,
            plural(self.items),
            self.pages,
            plural(self.pages)
        )
    }
}

/// True when `path_or_url` asks for the signed-in user (`/v1.0/me`,
/// `beta/me/messages`, a full URL to either).
pub fn asks_for_me(path_or_url: &str) -> bool {
    let path = url::Url::parse(path_or_url)
        .map(|url| url.path().to_owned())
        .unwrap_or_else(|_| path_or_url.to_owned());
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .take(2)
        .any(|segment| segment.eq_ignore_ascii_case("me"))
}

/// `failure` on `path_or_url` as the CLI's error: Graph's 400 or 404 for
/// `/me` says why an app-only token cannot have it.
pub fn failure_on(session: &Session, path_or_url: &str, failure: Failure) -> Error {
    match failure {
        Failure::Graph(e)
            if asks_for_me(path_or_url)
                && e.graph_error()
                    .is_some_and(|g| matches!(g.status, 400 | 404)) =>
        {
            Error::NoSignedInUser(e)
        }
        other => session.failure(other),
    }
}

/// How much of a collection to write.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// At most this many items (`--limit`); no page is requested past them.
    pub limit: Option<u64>,
    /// The first page only (`--no-paginate`), with its `@odata.nextLink`.
    pub first_page_only: bool,
}

/// GETs `path_or_url`: a collection goes out item by item across the pages
/// `extent` asks for, anything else (a single entity) as one document.
pub async fn write_get(
    graph: &GraphClient,
    path_or_url: &str,
    extent: Extent,
    sink: &mut dyn Sink,
    progress: &mut Progress,
) -> Result<Written, Failure> {
    let first = match graph.get_raw(path_or_url).await? {
        RawBody::Page(first) => first,
        RawBody::Document(body) => {
            sink.single(&body)?;
            progress.page(1);
            return Ok(Written { items: 1, pages: 1 });
        }
    };
    if extent.first_page_only {
        let page = futures_util::stream::once(std::future::ready(Ok(first)));
        return write_pages(page, extent, sink, progress).await;
    }
    match extent.limit {
        // The second page is requested as the first is written.
        None => {
            write_pages(
                graph.raw_pages_after(path_or_url, first),
                extent,
                sink,
                progress,
            )
            .await
        }
        Some(limit) => {
            let pages = graph.raw_pages_after_limited(path_or_url, first, limit);
            write_pages(pages, extent, sink, progress).await
        }
    }
}

/// Writes the pages' items (as the JSON text Graph sent: the sink parses them
/// only if its format needs to), up to `extent`'s limit; the first page's
/// annotations open the document, or go to stderr when the format has no
/// place for them.
pub async fn write_pages(
    pages: impl Stream<Item = entrad_graph::Result<RawPage>>,
    extent: Extent,
    sink: &mut dyn Sink,
    progress: &mut Progress,
) -> Result<Written, Failure> {
    let mut pages = pin!(pages);
    let mut written = Written::default();
    let limit = extent.limit.unwrap_or(u64::MAX);
    while let Some(page) = pages.try_next().await? {
        let room = usize::try_from(limit - written.items).unwrap_or(usize::MAX);
        if written.pages == 0 {
            // A link past items left out would skip them: given only when the page is whole.
            let next_link = page
                .next_link
                .clone()
                .filter(|_| extent.first_page_only && page.len() <= room);
            start(
                sink,
                progress,
                &Meta {
                    context: page.context.clone(),
                    count: page.count,
                    next_link,
                },
            )?;
        }
        let items = page.len().min(room);
        for item in page.items().take(items) {
            sink.raw_item(item)?;
        }
        sink.flush()?;
        written.pages += 1;
        written.items += items as u64;
        progress.page(items);
        if written.items >= limit || extent.first_page_only {
            break;
        }
    }
    if written.pages == 0 {
        sink.start(&Meta::default())?;
    }
    sink.finish()?;
    tracing::info!("listed {written}");
    Ok(written)
}

/// Opens the document; annotations the format cannot hold (asked for with
/// `--count` or `--no-paginate`) go to stderr as `@odata.count: N` lines.
fn start(sink: &mut dyn Sink, progress: &mut Progress, meta: &Meta) -> std::io::Result<()> {
    sink.start(meta)?;
    if !sink.holds_annotations() {
        if let Some(count) = meta.count {
            progress.note(&format!("@odata.count: {count}"));
        }
        if let Some(link) = &meta.next_link {
            progress.note(&format!("@odata.nextLink: {link}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Format;
    use crate::output::{self, test_support::Shared};

    /// Two pages as Graph could send them: a number and an escape that a trip
    /// through `serde_json::Value` would rewrite (`1.5`, `é`).
    fn pages() -> impl Stream<Item = entrad_graph::Result<RawPage>> {
        let bodies = [
            r#"{"@odata.context":"ctx","value":[{"id":"1","n":1.50,"s":"Zo\u00eb"}]}"#,
            r#"{"value":[{"id":"2","n":2,"s":"plain"}]}"#,
        ];
        futures_util::stream::iter(bodies.map(RawPage::from_bytes))
    }

    async fn written(format: Format) -> String {
        let out = Shared::default();
        let mut sink = output::sink(format, Box::new(out.clone()), Vec::new());
        let mut progress = Progress::new(false);
        let written = write_pages(pages(), Extent::default(), sink.as_mut(), &mut progress).await;
        assert_eq!(written.ok(), Some(Written { items: 2, pages: 2 }));
        out.text()
    }

    #[test]
    fn me_is_recognised_in_paths_and_urls() {
        for me in [
            "/v1.0/me",
            "v1.0/me/messages",
            "beta/Me?$select=id",
            "https://graph.microsoft.com/v1.0/me",
            "me",
        ] {
            assert!(asks_for_me(me), "{me}");
        }
        for other in [
            "/v1.0/users",
            "/v1.0/users/me",
            "/v1.0/users?$filter=startswith(displayName,'me')",
            "https://graph.microsoft.com/v1.0/groups/x/members",
        ] {
            assert!(!asks_for_me(other), "{other}");
        }
    }

    #[tokio::test]
    async fn json_and_ndjson_pass_items_through_as_graph_sent_them() {
        let json = written(Format::Json).await;
        assert!(
            json.contains("\"n\": 1.50,\n      \"s\": \"Zo\\u00eb\""),
            "{json}"
        );
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc["@odata.context"], "ctx");
        assert_eq!(doc["value"][0]["s"], "Zo\u{eb}");
        let ndjson = written(Format::Ndjson).await;
        assert_eq!(
            ndjson,
            "{\"id\":\"1\",\"n\":1.50,\"s\":\"Zo\\u00eb\"}\n{\"id\":\"2\",\"n\":2,\"s\":\"plain\"}\n"
        );
        // csv and table read the items: the values, not the text.
        let csv = written(Format::Csv).await;
        assert_eq!(csv, "id,n,s\n1,1.5,Zo\u{eb}\n2,2,plain\n");
    }
}
