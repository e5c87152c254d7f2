//! The quickstart's output: one Graph-shaped document, `value` holding every
//! page's items, written item by item (two-space indent, as `json.dumps(.., indent=2)`).

use std::io::{self, Write};

use serde_json::Value;

use super::raw_json::{self, Layout};
use super::{Meta, Sink};

/// Streams `{"@odata.context":..,"value":[..]}`.
pub struct JsonSink {
    out: Box<dyn Write>,
    items: u64,
    /// Reused for every item, so a large directory costs no allocation per item.
    buf: Vec<u8>,
}

impl JsonSink {
    /// What comes before an item: a comma after the one before, a new line.
    fn separate(&mut self) -> io::Result<()> {
        if self.items > 0 {
            self.out.write_all(b",")?;
        }
        self.items += 1;
        self.out.write_all(b"\n    ")
    }

    /// A writer on `out`.
    pub fn new(out: Box<dyn Write>) -> JsonSink {
        JsonSink {
            out,
            items: 0,
            buf: Vec::new(),
        }
    }
}

/// `value` pretty-printed (through `buf`), every line after the first shifted by `indent`.
fn write_indented(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    value: &Value,
    indent: &str,
) -> io::Result<()> {
    buf.clear();
    serde_json::to_writer_pretty(&mut *buf, value).map_err(io::Error::from)?;
    // JSON strings cannot hold raw newlines, so every '\n' is between tokens.
    for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line)?;
    }
    Ok(())
}

impl Sink for JsonSink {
    fn start(&mut self, meta: &Meta) -> io::Result<()> {
        self.out.write_all(b"{\n")?;
        if let Some(context) = &meta.context {
            writeln!(
                self.out,
                "  \"@odata.context\": {},",
                Value::from(context.as_str())
            )?;
        }
        if let Some(count) = meta.count {
            writeln!(self.out, "  \"@odata.count\": {count},")?;
        }
        if let Some(link) = &meta.next_link {
            writeln!(
                self.out,
                "  \"@odata.nextLink\": {},",
                Value::from(link.as_str())
            )?;
        }
        self.out.write_all(b"  \"value\": [")
    }

    fn holds_annotations(&self) -> bool {
        true
    }

    fn item(&mut self, item: &Value) -> io::Result<()> {
        self.separate()?;
        write_indented(&mut self.out, &mut self.buf, item, "    ")
    }

    fn raw_item(&mut self, item: &str) -> io::Result<()> {
        self.separate()?;
        let layout = Layout::Pretty { margin: "    " };
        raw_json::write(&mut self.out, &mut self.buf, item, layout)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.items > 0 {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"]\n}\n")?;
        self.out.flush()
    }

    fn single(&mut self, doc: &Value) -> io::Result<()> {
        write_indented(&mut self.out, &mut self.buf, doc, "")?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::output::test_support::Shared;

    #[test]
    fn writes_one_graph_shaped_document() {
        let buf = Shared::default();
        let mut sink = JsonSink::new(Box::new(buf.clone()));
        let meta = Meta {
            context: Some("https://x/v1.0/$metadata#users".into()),
            count: Some(2),
            next_link: Some("https://x/v1.0/users?$skiptoken=2".into()),
        };
        sink.start(&meta).unwrap();
        sink.item(&json!({"id":"1","displayName":"A \"quoted\"\nname"}))
            .unwrap();
        sink.flush().unwrap();
        sink.item(&json!({"id":"2","businessPhones":[]})).unwrap();
        sink.finish().unwrap();
        let text = buf.text();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["@odata.context"], "https://x/v1.0/$metadata#users");
        assert_eq!(doc["@odata.count"], 2);
        assert_eq!(doc["@odata.nextLink"], "https://x/v1.0/users?$skiptoken=2");
        assert_eq!(doc["value"].as_array().unwrap().len(), 2);
        assert_eq!(doc["value"][0]["displayName"], "A \"quoted\"\nname");
        assert!(text.starts_with("{\n  \"@odata.context\": "), "{text}");
        assert!(text.contains("\n    {\n      \"displayName\""), "{text}");
        assert!(text.ends_with("\n  ]\n}\n"), "{text}");
    }

    #[test]
    fn an_empty_collection_is_still_a_document() {
        let buf = Shared::default();
        let mut sink = JsonSink::new(Box::new(buf.clone()));
        sink.start(&Meta::default()).unwrap();
        sink.finish().unwrap();
        assert_eq!(buf.text(), "{\n  \"value\": []\n}\n");
    }

    #[test]
    fn a_single_entity_prints_as_is() {
        let buf = Shared::default();
        JsonSink::new(Box::new(buf.clone()))
            .single(&json!({"id":"1"}))
            .unwrap();
        assert_eq!(buf.text(), "{\n  \"id\": \"1\"\n}\n");
    }
}
