//! One page of a Graph collection.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;

/// A page of a collection response: its items and the links to what follows.
///
/// The annotations are optional: a missing one (or `null`) reads as `None`,
/// and `None` is left out when serialised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// `@odata.context`, e.g. `https://graph.microsoft.com/v1.0/$metadata#users`.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `@odata.count` (first page only, with `$count=true`).
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// `@odata.nextLink`: the next page, to be followed verbatim.
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// `@odata.deltaLink`: the last page of a delta round.
    #[serde(rename = "@odata.deltaLink", skip_serializing_if = "Option::is_none")]
    pub delta_link: Option<String>,
    /// The items.
    pub value: Vec<Value>,
}

impl Page {
    /// True when `body` is a collection response (has a `value` list).
    pub fn is_collection(body: &Value) -> bool {
        body.get("value").is_some_and(Value::is_array)
    }

    /// A page from a parsed collection response.
    pub fn from_json(body: Value) -> Result<Page, Error> {
        serde_json::from_value(body).map_err(not_a_page)
    }

    /// A page straight from the response bytes (no intermediate JSON tree).
    pub(crate) fn from_slice(body: &[u8]) -> Result<Page, Error> {
        serde_json::from_slice(body).map_err(not_a_page)
    }
}

fn not_a_page(e: serde_json::Error) -> Error {
    Error::unexpected("not a collection page (no `value` list?)", e)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_annotations() {
        let body = json!({"@odata.context":"ctx","@odata.count":7,"@odata.nextLink":"https://n",
            "value":[{"id":"1"}]});
        assert!(Page::is_collection(&body));
        let page = Page::from_json(body).unwrap();
        assert_eq!(page.context.as_deref(), Some("ctx"));
        assert_eq!(page.count, Some(7));
        assert_eq!(page.next_link.as_deref(), Some("https://n"));
        assert_eq!(page.value, [json!({"id":"1"})]);
        let last = Page::from_slice(br#"{"@odata.deltaLink":"https://d","value":[]}"#).unwrap();
        assert_eq!(last.delta_link.as_deref(), Some("https://d"));
    }

    /// Found by the `graph_page` fuzz target: serde_json's fast float parsing
    /// is off by one bit for some numbers, so `entrad` printed a number Graph
    /// never sent (1.5000000000000004e86 for 1.5e86).
    #[test]
    fn numbers_keep_their_exact_value() {
        let page = Page::from_slice(br#"{"value":[{"n":1.5e86},{"n":1.5e086}]}"#).unwrap();
        for item in &page.value {
            assert_eq!(item["n"].as_f64(), Some(1.5e86));
            assert_eq!(item["n"].to_string(), "1.5e+86");
        }
    }

    #[test]
    fn refuses_what_is_not_a_collection() {
        assert!(!Page::is_collection(&json!({"id":"1"})));
        assert!(Page::from_json(json!({"id":"1"})).is_err());
        assert!(Page::from_slice(b"not json").is_err());
    }
}
