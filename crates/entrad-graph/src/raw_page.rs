//! A page whose items stay the JSON text Graph sent: parsed once to find them,
//! never built into `serde_json::Value`s.

use std::ops::Range;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::page::Page;

/// A page of a collection response with its items as JSON text: for callers who
/// pass items on (print, store as JSON) rather than read them. [`RawPage::to_page`]
/// gives the [`Page`] of `Value`s.
#[derive(Debug, Clone, PartialEq)]
pub struct RawPage {
    /// `@odata.context`.
    pub context: Option<String>,
    /// `@odata.count` (first page only, with `$count=true`).
    pub count: Option<u64>,
    /// `@odata.nextLink`.
    pub next_link: Option<String>,
    /// `@odata.deltaLink` (the last page of a delta round).
    pub delta_link: Option<String>,
    body: String,
    items: Vec<Range<usize>>,
}

/// The page with its items borrowed from the body.
#[derive(Deserialize)]
struct Borrowed<'a> {
    #[serde(rename = "@odata.context", default)]
    context: Option<String>,
    #[serde(rename = "@odata.count", default)]
    count: Option<u64>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
    #[serde(borrow)]
    value: Vec<&'a RawValue>,
}

impl RawPage {
    /// A page from the response body (checked to be JSON with a `value` list).
    pub fn from_bytes(body: impl Into<Bytes>) -> Result<RawPage, Error> {
        let body = String::from_utf8(Vec::from(body.into()))
            .map_err(|e| Error::unexpected("the body is not UTF-8", e))?;
        let borrowed: Borrowed<'_> = serde_json::from_str(&body)
            .map_err(|e| Error::unexpected("not a collection page (no `value` list?)", e))?;
        let start = body.as_ptr() as usize;
        let items = borrowed
            .value
            .iter()
            .map(|raw| {
                let offset = raw.get().as_ptr() as usize - start;
                offset..offset + raw.get().len()
            })
            .collect();
        Ok(RawPage {
            context: borrowed.context,
            count: borrowed.count,
            next_link: borrowed.next_link,
            delta_link: borrowed.delta_link,
            items,
            body,
        })
    }

    /// Each item's JSON text, in order.
    pub fn items(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.items.iter().map(|range| &self.body[range.clone()])
    }

    /// The JSON text of the item at `index` (`None` past the last), for a
    /// caller handing the items out one at a time.
    pub fn item(&self, index: usize) -> Option<&str> {
        self.items.get(index).map(|range| &self.body[range.clone()])
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the page has no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The same page with its items parsed.
    pub fn to_page(&self) -> Result<Page, Error> {
        let value = self
            .items()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|e| Error::unexpected("an item is not JSON", e))?;
        Ok(Page {
            context: self.context.clone(),
            count: self.count,
            next_link: self.next_link.clone(),
            delta_link: self.delta_link.clone(),
            value,
        })
    }
}

/// A GET's answer with its items unparsed: a collection page, or any other
/// document (a single entity) as JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum RawBody {
    /// A collection (`value` is a list).
    Page(RawPage),
    /// Anything else; `null` for an empty body.
    Document(serde_json::Value),
}

impl RawBody {
    pub(crate) fn from_bytes(body: Bytes) -> Result<RawBody, Error> {
        match RawPage::from_bytes(body.clone()) {
            Ok(page) => Ok(RawBody::Page(page)),
            Err(_) => crate::json_body::parse_json(&body).map(RawBody::Document),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn items_are_the_text_sent_and_parse_to_the_same_page() {
        let body = r#"{"@odata.context":"ctx","@odata.nextLink":"https://n","value":[{"id":"1","n":1.50,"s":"\u00e9\"}"}, {"id":"2","a":[]}]}"#;
        let raw = RawPage::from_bytes(Bytes::from_static(body.as_bytes())).unwrap();
        assert_eq!(raw.context.as_deref(), Some("ctx"));
        assert_eq!(raw.next_link.as_deref(), Some("https://n"));
        assert_eq!(raw.len(), 2);
        let items: Vec<&str> = raw.items().collect();
        assert_eq!(
            items,
            [
                r#"{"id":"1","n":1.50,"s":"\u00e9\"}"}"#,
                r#"{"id":"2","a":[]}"#
            ]
        );
        assert_eq!(raw.item(1), Some(items[1]));
        assert_eq!(raw.item(2), None);
        let page = raw.to_page().unwrap();
        assert_eq!(page, Page::from_slice(body.as_bytes()).unwrap());
        assert_eq!(page.value[0]["s"], json!("\u{e9}\"}"));
    }

    #[test]
    fn refuses_what_is_not_a_collection() {
        for body in [&b"not json"[..], br#"{"id":"1"}"#, b"{\"value\":[\xff]}"] {
            assert!(RawPage::from_bytes(Bytes::copy_from_slice(body)).is_err());
        }
        let last = RawPage::from_bytes(Bytes::from_static(
            br#"{"@odata.deltaLink":"https://d","value":[]}"#,
        ))
        .unwrap();
        assert!(last.is_empty());
        assert_eq!(last.delta_link.as_deref(), Some("https://d"));
    }
}
