//! Streaming a Graph GET to a writer: page by page, with progress.

use std::pin::pin;

use entrad_graph::{GraphClient, RawBody, RawPage};
use futures_util::{Stream, TryStreamExt};

use crate::output::progress::Progress;
use crate::output::{Meta, Sink};

/// What was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Items written.
    pub items: u64,
    /// Pages read.
    pub pages: u64,
}

/// Why writing stopped early.
pub enum Failure {
    /// Graph (or the token) failed.
    Graph(entrad_graph::Error),
    /// Writing failed.
    Output(std::io::Error),
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} item{} in {} page{}",
            self.items,
            plural(self.items),
            self.pages,
            plural(self.pages)
        )
    }
}

impl From<entrad_graph::Error> for Failure {
    fn from(e: entrad_graph::Error) -> Failure {
        Failure::Graph(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Output(e)
    }
}

/// GETs `path_or_url`: a collection goes out item by item across every page,
/// anything else (a single entity) as one document.
pub async fn write_get(
    graph: &GraphClient,
    path_or_url: &str,
    sink: &mut dyn Sink,
    progress: &mut Progress,
) -> Result<Written, Failure> {
    let first = match graph.get_raw(path_or_url).await? {
        RawBody::Page(first) => first,
        RawBody::Document(body) => {
            sink.single(&body)?;
            progress.page(1);
            return Ok(Written { items: 1, pages: 1 });
        }
    };
    // The second page is requested as the first is written.
    write_pages(graph.raw_pages_after(path_or_url, first), sink, progress).await
}

/// Writes every page's items (as the JSON text Graph sent: the sink parses them
/// only if its format needs to); the first page's annotations open the document.
pub async fn write_pages(
    pages: impl Stream<Item = entrad_graph::Result<RawPage>>,
    sink: &mut dyn Sink,
    progress: &mut Progress,
) -> Result<Written, Failure> {
    let mut pages = pin!(pages);
    let mut written = Written::default();
    while let Some(page) = pages.try_next().await? {
        if written.pages == 0 {
            sink.start(&Meta {
                context: page.context.clone(),
                count: page.count,
            })?;
        }
        for item in page.items() {
            sink.raw_item(item)?;
        }
        sink.flush()?;
        written.pages += 1;
        written.items += page.len() as u64;
        progress.page(page.len());
    }
    if written.pages == 0 {
        sink.start(&Meta::default())?;
    }
    sink.finish()?;
    tracing::info!("listed {written}");
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Format;
    use crate::output::{self, test_support::Shared};

    /// Two pages as Graph could send them: a number and an escape that a trip
    /// through `serde_json::Value` would rewrite (`1.5`, `é`).
    fn pages() -> impl Stream<Item = entrad_graph::Result<RawPage>> {
        let bodies = [
            r#"{"@odata.context":"ctx","value":[{"id":"1","n":1.50,"s":"Zo\u00eb"}]}"#,
            r#"{"value":[{"id":"2","n":2,"s":"plain"}]}"#,
        ];
        futures_util::stream::iter(bodies.map(RawPage::from_bytes))
    }

    async fn written(format: Format) -> String {
        let out = Shared::default();
        let mut sink = output::sink(format, Box::new(out.clone()), Vec::new());
        let mut progress = Progress::new(false);
        let written = write_pages(pages(), sink.as_mut(), &mut progress).await;
        assert_eq!(written.ok(), Some(Written { items: 2, pages: 2 }));
        out.text()
    }

    #[tokio::test]
    async fn json_and_ndjson_pass_items_through_as_graph_sent_them() {
        let json = written(Format::Json).await;
        assert!(
            json.contains("\"n\": 1.50,\n      \"s\": \"Zo\\u00eb\""),
            "{json}"
        );
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc["@odata.context"], "ctx");
        assert_eq!(doc["value"][0]["s"], "Zo\u{eb}");
        let ndjson = written(Format::Ndjson).await;
        assert_eq!(
            ndjson,
            "{\"id\":\"1\",\"n\":1.50,\"s\":\"Zo\\u00eb\"}\n{\"id\":\"2\",\"n\":2,\"s\":\"plain\"}\n"
        );
        // csv and table read the items: the values, not the text.
        let csv = written(Format::Csv).await;
        assert_eq!(csv, "id,n,s\n1,1.5,Zo\u{eb}\n2,2,plain\n");
    }
}
