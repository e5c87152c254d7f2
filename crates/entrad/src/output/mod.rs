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
mod sink;
mod table;
mod visible;

use std::io::{self, Write};

pub use sink::{Meta, Sink};

use crate::cli::Format;

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
