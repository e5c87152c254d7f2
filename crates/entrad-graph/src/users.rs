//! `GET /v1.0/users` (and other directory collections, e.g. groups) with Graph's query options.

use futures_util::Stream;
use serde_json::Value;
use url::Url;

use crate::client::GraphClient;
use crate::error::Result;
use crate::page::Page;
use crate::paging::flatten;
use crate::raw_page::RawPage;
use crate::request::Headers;

/// A users query: `$select`, `$filter`, `$search`, `$orderby`, `$top`, `$count`;
/// [`GraphClient::groups`] gives the same query on `/v1.0/groups`.
///
/// `$count`, the advanced filter operators (`ne`, `not`, `endsWith`), sorting by
/// anything but `displayName` or `userPrincipalName`, and sorting together with a
/// filter need `ConsistencyLevel: eventual` and `$count=true`
/// (<https://learn.microsoft.com/graph/aad-advanced-queries>): the query adds both.
#[derive(Debug, Clone)]
pub struct UsersQuery<'a> {
    client: &'a GraphClient,
    /// The collection, e.g. `v1.0/users`.
    path: &'static str,
    select: Vec<String>,
    filter: Option<String>,
    search: Option<String>,
    orderby: Option<String>,
    top: Option<u32>,
    limit: Option<u64>,
    count: bool,
}

/// The largest `$top` Graph takes for users and groups.
const MAX_TOP: u64 = 999;

impl GraphClient {
    /// A query over `/v1.0/users`.
    pub fn users(&self) -> UsersQuery<'_> {
        UsersQuery {
            client: self,
            path: "v1.0/users",
            select: Vec::new(),
            filter: None,
            search: None,
            orderby: None,
            top: None,
            limit: None,
            count: false,
        }
    }
}

impl<'a> UsersQuery<'a> {
    /// Properties to return (`$select`).
    pub fn select<S: AsRef<str>>(mut self, properties: &[S]) -> Self {
        self.select = properties
            .iter()
            .map(|p| p.as_ref().trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        self
    }

    /// An OData filter (`$filter`), e.g. `startswith(displayName,'A')`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// A search (`$search`): `displayName:adele` or Graph's own form,
    /// `"displayName:adele" OR "mail:adele"`. A search without a double quote
    /// is sent as one quoted clause. Graph needs `ConsistencyLevel: eventual`
    /// for it: the query adds it.
    pub fn search(mut self, search: impl Into<String>) -> Self {
        let search = search.into();
        self.search = Some(if search.contains('"') {
            search
        } else {
            format!("\"{search}\"")
        });
        self
    }

    /// Sort order (`$orderby`): a property, then optionally `asc` or `desc`,
    /// e.g. `displayName desc`.
    pub fn orderby(mut self, orderby: impl Into<String>) -> Self {
        self.orderby = Some(orderby.into());
        self
    }

    /// Page size (`$top`, 1 to 999 for users).
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// At most `limit` items: `$top` (the page size) is lowered to `limit` when
    /// it is larger (or unset: then `$top` is `limit` up to Graph's largest, 999),
    /// and no page is requested after the one that brings the items to
    /// `limit`. The last page is handed out whole: the caller takes what it
    /// needs of it. `limit` 0 requests nothing.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Ask for `@odata.count` on the first page.
    pub fn count(mut self, count: bool) -> Self {
        self.count = count;
        self
    }

    /// True when the query needs `ConsistencyLevel: eventual` (and `$count=true`).
    pub fn needs_eventual_consistency(&self) -> bool {
        self.count
            || self.search.is_some()
            || self.filter.as_deref().is_some_and(is_advanced_filter)
            || self
                .orderby
                .as_deref()
                .is_some_and(|o| self.filter.is_some() || !is_default_sort(o))
    }

    /// The first page's URL.
    pub fn url(&self) -> Result<Url> {
        let mut url = self.client.resolve(self.path)?;
        let mut query = Vec::new();
        if !self.select.is_empty() {
            query.push(format!("$select={}", encode(&self.select.join(","))));
        }
        if let Some(filter) = &self.filter {
            query.push(format!("$filter={}", encode(filter)));
        }
        if let Some(search) = &self.search {
            query.push(format!("$search={}", encode(search)));
        }
        if let Some(orderby) = &self.orderby {
            query.push(format!("$orderby={}", encode(orderby.trim())));
        }
        let top = match (self.top, self.limit) {
            (top, None) => top.map(u64::from),
            (Some(top), Some(limit)) => Some(u64::from(top).min(limit.max(1))),
            (None, Some(limit)) => Some(limit.clamp(1, MAX_TOP)),
        };
        if let Some(top) = top {
            query.push(format!("$top={top}"));
        }
        if self.needs_eventual_consistency() {
            query.push("$count=true".to_owned());
        }
        if !query.is_empty() {
            url.set_query(Some(&query.join("&")));
        }
        Ok(url)
    }

    /// The same query on another collection (`v1.0/groups`).
    pub(crate) fn on(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }

    fn headers(&self) -> Headers {
        let mut headers = Headers::new();
        if self.needs_eventual_consistency() {
            headers.push(("ConsistencyLevel".into(), "eventual".to_owned()));
        }
        headers
    }

    /// The pages of the result.
    pub fn pages(self) -> impl Stream<Item = Result<Page>> + Send + 'a {
        self.client
            .pages_from(self.url(), self.headers(), self.limit)
    }

    /// The pages of the result with each item as the JSON text Graph sent.
    pub fn raw_pages(self) -> impl Stream<Item = Result<RawPage>> + Send + 'a {
        self.client
            .pages_from(self.url(), self.headers(), self.limit)
    }

    /// The users, across pages.
    pub fn items(self) -> impl Stream<Item = Result<Value>> + Send + 'a {
        flatten(self.pages())
    }
}

/// `ne`, `not` and `endsWith` are Graph's "advanced query" operators.
fn is_advanced_filter(filter: &str) -> bool {
    let lower = filter.to_ascii_lowercase();
    let padded = format!(" {} ", lower.replace(['(', ')'], " "));
    padded.contains(" ne ") || padded.contains(" not ") || lower.contains("endswith(")
}

/// Graph sorts users by `displayName` and `userPrincipalName` without advanced
/// query parameters, by nothing else.
fn is_default_sort(orderby: &str) -> bool {
    orderby.split_whitespace().next().is_some_and(|property| {
        ["displayName", "userPrincipalName"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(property))
    })
}

/// Escapes what would end or change a query value; `$`, `,`, `(`, `'` stay
/// readable, as in Graph's documentation (spaces become `%20`, never `+`).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '&' => out.push_str("%26"),
            '+' => out.push_str("%2B"),
            '#' => out.push_str("%23"),
            '=' => out.push_str("%3D"),
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_query_values() {
        assert_eq!(encode("a b&c=d+e#f%"), "a%20b%26c%3Dd%2Be%23f%25");
        assert_eq!(
            encode("startswith(displayName,'A')"),
            "startswith(displayName,'A')"
        );
    }

    #[test]
    fn advanced_filters() {
        assert!(is_advanced_filter("accountEnabled ne true"));
        assert!(is_advanced_filter("NOT(startswith(displayName,'a'))"));
        assert!(is_advanced_filter("endsWith(mail,'@contoso.com')"));
        assert!(!is_advanced_filter("startswith(displayName,'Anne')"));
        assert!(!is_advanced_filter("mail eq 'nell@contoso.com'"));
    }
}
