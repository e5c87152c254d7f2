//! Turning JSON items into rows of text, for csv and table.

use std::borrow::Cow;

use serde_json::Value;

/// The columns an item offers: its keys (a scalar item is one column, `value`).
pub fn columns_of(item: &Value) -> Vec<String> {
    match item {
        Value::Object(map) => map
            .keys()
            .filter(|k| !k.starts_with("@odata."))
            .cloned()
            .collect(),
        _ => vec!["value".to_owned()],
    }
}

/// The cells of `item` for `columns`: strings as they are, null or absent as
/// empty, nested lists and objects JSON-encoded; borrowed where they can be.
pub fn cells<'a>(item: &'a Value, columns: &'a [String]) -> impl Iterator<Item = Cow<'a, str>> {
    columns.iter().map(move |column| match item {
        Value::Object(map) => cell(map.get(column)),
        scalar => cell(Some(scalar)),
    })
}

/// One cell: a string as it is, null or absent as empty, anything else as JSON.
pub fn cell(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        None | Some(Value::Null) => Cow::Borrowed(""),
        Some(Value::String(s)) => Cow::Borrowed(s),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(item: &Value, columns: &[String]) -> Vec<String> {
        cells(item, columns).map(Cow::into_owned).collect()
    }

    #[test]
    fn cells_flatten_as_documented() {
        let item = json!({"id":"1","businessPhones":["+1 555"],"mail":null,"n":3,"ok":true,"@odata.type":"#u"});
        let columns = columns_of(&item);
        assert!(!columns.iter().any(|c| c.starts_with('@')));
        let cols = ["id", "businessPhones", "mail", "n", "ok", "absent"].map(String::from);
        assert_eq!(
            row(&item, &cols),
            ["1", "[\"+1 555\"]", "", "3", "true", ""]
        );
        assert_eq!(columns_of(&json!(5)), ["value"]);
        assert_eq!(row(&json!("x"), &["value".to_owned()]), ["x"]);
    }
}
