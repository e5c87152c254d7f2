//! Comma-separated values, one row per item, written as items arrive.

use std::io::{self, Write};

use serde_json::Value;

use super::cells::{cells, columns_of};
use super::{Meta, Sink};

/// CSV with a header; columns are `--select`'s, else the first item's keys
/// (later items' extra properties are left out so every row has the same shape).
pub struct CsvSink {
    out: csv::Writer<Box<dyn Write>>,
    columns: Vec<String>,
    header_written: bool,
}

impl CsvSink {
    /// A writer on `out`; empty `columns` means "take them from the first item".
    pub fn new(out: Box<dyn Write>, columns: Vec<String>) -> CsvSink {
        CsvSink {
            out: csv::Writer::from_writer(out),
            columns,
            header_written: false,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written && !self.columns.is_empty() {
            self.out
                .write_record(&self.columns)
                .map_err(io::Error::from)?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl Sink for CsvSink {
    fn start(&mut self, _meta: &Meta) -> io::Result<()> {
        Ok(())
    }

    fn item(&mut self, item: &Value) -> io::Result<()> {
        if self.columns.is_empty() {
            self.columns = columns_of(item);
        }
        self.header()?;
        // Field by field: no row of owned strings per item.
        for cell in cells(item, &self.columns) {
            self.out.write_field(cell.as_bytes())?;
        }
        self.out
            .write_record(None::<&[u8]>)
            .map_err(io::Error::from)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::output::test_support::Shared;

    #[test]
    fn header_then_rows_with_quoting() {
        let buf = Shared::default();
        let mut sink = CsvSink::new(Box::new(buf.clone()), vec![]);
        sink.start(&Meta::default()).unwrap();
        sink.item(&json!({"displayName":"Doe, Jane","id":"1"}))
            .unwrap();
        sink.item(&json!({"displayName":"x","id":"2","extra":1}))
            .unwrap();
        sink.finish().unwrap();
        assert_eq!(buf.text(), "displayName,id\n\"Doe, Jane\",1\nx,2\n");
    }

    #[test]
    fn selected_columns_give_a_header_even_when_empty() {
        let buf = Shared::default();
        let mut sink = CsvSink::new(Box::new(buf.clone()), vec!["id".into(), "mail".into()]);
        sink.start(&Meta::default()).unwrap();
        sink.finish().unwrap();
        assert_eq!(buf.text(), "id,mail\n");
    }
}
