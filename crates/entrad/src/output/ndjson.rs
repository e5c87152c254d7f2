//! One compact JSON object per line.

use std::io::{self, Write};

use serde_json::Value;

use super::raw_json::{self, Layout};
use super::{Meta, Sink};

/// Newline-delimited JSON; collection annotations are dropped (they are not items).
pub struct NdjsonSink {
    out: Box<dyn Write>,
    /// Reused for items that need their whitespace taken out.
    buf: Vec<u8>,
}

impl NdjsonSink {
    /// A writer on `out`.
    pub fn new(out: Box<dyn Write>) -> NdjsonSink {
        NdjsonSink {
            out,
            buf: Vec::new(),
        }
    }
}

impl Sink for NdjsonSink {
    fn start(&mut self, _meta: &Meta) -> io::Result<()> {
        Ok(())
    }

    fn item(&mut self, item: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, item).map_err(io::Error::from)?;
        self.out.write_all(b"\n")
    }

    fn raw_item(&mut self, item: &str) -> io::Result<()> {
        raw_json::write(&mut self.out, &mut self.buf, item, Layout::Compact)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::output::test_support::Shared;

    #[test]
    fn one_line_per_item() {
        let buf = Shared::default();
        let mut sink = NdjsonSink::new(Box::new(buf.clone()));
        sink.start(&Meta::default()).unwrap();
        sink.item(&json!({"id":"1","displayName":"a\nb"})).unwrap();
        sink.item(&json!({"id":"2"})).unwrap();
        sink.finish().unwrap();
        let text = buf.text();
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            serde_json::from_str::<Value>(line).unwrap();
        }
    }
}
