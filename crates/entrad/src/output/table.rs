//! A text table for people.
//!
//! Column widths depend on every row, so this writer buffers the whole
//! collection before printing: use json, ndjson or csv for large directories.
//! A single object (`entrad get v1.0/users/{id}`, `entrad token`) is shown
//! vertically instead, one `key: value` line per property, as `kubectl
//! describe` does: a row of thirty columns would wrap out of reading.
//!
//! Cells and headers are directory data that anyone who can edit a user
//! controls: control characters are shown as escapes ([`visible`]) so that an
//! escape sequence in a displayName cannot clear the screen or retitle the
//! window of whoever reads the table.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value;

use super::cells::{cell, cells, columns_of};
use super::visible::visible;
use super::{Meta, Sink};

/// Buffers rows; prints the table at the end.
pub struct TableSink {
    out: Box<dyn Write>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl TableSink {
    /// A writer on `out`; empty `columns` means "take them from the first item".
    pub fn new(out: Box<dyn Write>, columns: Vec<String>) -> TableSink {
        TableSink {
            out,
            columns,
            rows: Vec::new(),
        }
    }
}

impl Sink for TableSink {
    fn start(&mut self, _meta: &Meta) -> io::Result<()> {
        Ok(())
    }

    fn item(&mut self, item: &Value) -> io::Result<()> {
        if self.columns.is_empty() {
            self.columns = columns_of(item);
        }
        let row = cells(item, &self.columns)
            .map(|cell| visible(&cell).into_owned())
            .collect();
        self.rows.push(row);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn single(&mut self, doc: &Value) -> io::Result<()> {
        let mut rows = Vec::new();
        properties("", doc, &mut rows);
        let rows: Vec<(String, String)> = rows
            .into_iter()
            .map(|(key, value)| (format!("{}:", visible(&key)), visible(&value).into_owned()))
            .collect();
        let width = rows.iter().map(|(key, _)| key.chars().count()).max();
        let width = width.unwrap_or(0);
        for (key, value) in &rows {
            let line = format!("{key:width$}  {value}");
            writeln!(self.out, "{}", line.trim_end())?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.columns.is_empty() {
            return self.out.flush();
        }
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(self.columns.iter().map(|c| visible(c)))
            .add_rows(std::mem::take(&mut self.rows));
        writeln!(self.out, "{table}")?;
        self.out.flush()
    }
}

/// `doc`'s properties as (key, cell) pairs: nested objects flattened into
/// dotted keys (`claims.aud`), lists and scalars as csv cells are; a document
/// that is not an object is one property, `value`.
fn properties(prefix: &str, doc: &Value, out: &mut Vec<(String, String)>) {
    match doc {
        Value::Object(map) if !map.is_empty() || prefix.is_empty() => {
            for (name, value) in map {
                if prefix.is_empty() {
                    // Annotations describe the answer, not the object.
                    if !name.starts_with("@odata.") {
                        properties(name, value, out);
                    }
                } else {
                    properties(&format!("{prefix}.{name}"), value, out);
                }
            }
        }
        _ => {
            let key = if prefix.is_empty() { "value" } else { prefix };
            out.push((key.to_owned(), cell(Some(doc)).into_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::output::test_support::Shared;

    #[test]
    fn prints_a_header_and_rows() {
        let buf = Shared::default();
        let mut sink = TableSink::new(
            Box::new(buf.clone()),
            vec!["id".into(), "displayName".into()],
        );
        sink.start(&Meta::default()).unwrap();
        sink.item(&json!({"id":"1","displayName":"Ada"})).unwrap();
        sink.finish().unwrap();
        let text = buf.text();
        let header = text.lines().find(|l| l.contains("id")).unwrap();
        assert!(header.contains("displayName"), "{text}");
        assert!(text.contains("Ada"), "{text}");
    }

    #[test]
    fn a_single_object_is_shown_vertically_with_nested_keys_dotted() {
        let buf = Shared::default();
        let mut sink = TableSink::new(Box::new(buf.clone()), vec![]);
        sink.single(&json!({
            "@odata.context": "https://x/$metadata#users/$entity",
            "id": "1",
            "displayName": "Ada\u{1b}[2J",
            "businessPhones": ["+1 555"],
            "claims": {"aud": "https://graph.microsoft.com", "roles": ["User.Read.All"], "empty": {}},
            "mail": null
        }))
        .unwrap();
        assert_eq!(
            buf.text(),
            "\
businessPhones:  [\"+1 555\"]
claims.aud:      https://graph.microsoft.com
claims.empty:    {}
claims.roles:    [\"User.Read.All\"]
displayName:     Ada\\u{1b}[2J
id:              1
mail:\n"
        );
        let buf = Shared::default();
        TableSink::new(Box::new(buf.clone()), vec![])
            .single(&json!(42))
            .unwrap();
        assert_eq!(buf.text(), "value:  42\n");
    }

    #[test]
    fn control_characters_in_cells_and_headers_are_escaped() {
        let buf = Shared::default();
        let mut sink = TableSink::new(Box::new(buf.clone()), vec![]);
        sink.start(&Meta::default()).unwrap();
        sink.item(&json!({"id":"1","display\u{1b}Name":"a\u{1b}[2J\u{9b}\u{7f}\tb"}))
            .unwrap();
        sink.finish().unwrap();
        let text = buf.text();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("display\\u{1b}Name"), "{text}");
        assert!(text.contains("a\\u{1b}[2J\\u{9b}\\u{7f}\\tb"), "{text}");
    }
}
