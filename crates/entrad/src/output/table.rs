//! A text table for people.
//!
//! Column widths depend on every row, so this writer buffers the whole
//! collection before printing: use json, ndjson or csv for large directories.
//!
//! Cells and headers are directory data that anyone who can edit a user
//! controls: control characters are shown as escapes ([`visible`]) so that an
//! escape sequence in a displayName cannot clear the screen or retitle the
//! window of whoever reads the table.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value;

use super::cells::{cells, columns_of};
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
