//! The [`Sink`] trait every writer implements, and the [`Meta`] it starts with.

use std::io;

use serde_json::Value;

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
