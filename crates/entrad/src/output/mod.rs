//! Writers for Graph collections: json, ndjson, csv, table.
//!
//! Items arrive one at a time, page after page; every writer but `table`
//! writes each item as it comes, so memory stays flat however large the
//! directory is.

mod cells;
mod csv;
mod json;
mod ndjson;
pub mod progress;
mod raw_json;
mod table;
mod visible;

use std::io::{self, Write};

use serde_json::Value;

use crate::cli::Format;

/// Collection-level annotations of the first page.
#[derive(Debug, Default, Clone)]
pub struct Meta {
    /// `@odata.context`.
    pub context: Option<String>,
    /// `@odata.count` (with `$count=true`).
    pub count: Option<u64>,
    /// `@odata.nextLink`, kept only when one page is asked for (`get --no-paginate`).
    pub next_link: Option<String>,
}

/// Where items go.
pub trait Sink {
    /// Called once, before any item.
    fn start(&mut self, meta: &Meta) -> io::Result<()>;
    /// True when the document written holds [`Meta`]'s annotations (json);
    /// the others leave them for the caller to show elsewhere.
    fn holds_annotations(&self) -> bool {
        false
    }
    /// One item of `value`.
    fn item(&mut self, item: &Value) -> io::Result<()>;
    /// One item of `value` as the JSON text Graph sent. Writers that only pass
    /// items on (json, ndjson) lay the text out without parsing it; the others
    /// parse it and take [`Sink::item`].
    fn raw_item(&mut self, item: &str) -> io::Result<()> {
        let value: Value = serde_json::from_str(item).map_err(io::Error::from)?;
        self.item(&value)
    }
    /// Pushes what is buffered to the reader (called after each page).
    fn flush(&mut self) -> io::Result<()>;
    /// Called once, after the last item.
    fn finish(&mut self) -> io::Result<()>;
    /// A response that is not a collection, e.g. `/v1.0/users/{id}`.
    fn single(&mut self, doc: &Value) -> io::Result<()> {
        self.start(&Meta::default())?;
        self.item(doc)?;
        self.finish()
    }
}

/// A writer for `format` on `out`; `columns` (from `--select`) fixes the csv/table columns.
pub fn sink(format: Format, out: Box<dyn Write>, columns: Vec<String>) -> Box<dyn Sink> {
    match format {
        Format::Json => Box::new(json::JsonSink::new(out)),
        Format::Ndjson => Box::new(ndjson::NdjsonSink::new(out)),
        Format::Csv => Box::new(csv::CsvSink::new(out, columns)),
        Format::Table => Box::new(table::TableSink::new(out, columns)),
    }
}

/// The process's stdout, buffered: only data goes there.
pub fn stdout() -> Box<dyn Write> {
    Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()))
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes the test can read after the sink is done.
    #[derive(Clone, Default)]
    pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

    impl Shared {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
