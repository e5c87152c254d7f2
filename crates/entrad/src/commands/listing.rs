//! Streaming a Graph GET to a writer: page by page, with progress.

use std::pin::pin;

use entrad_graph::{GraphClient, Page};
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
    let body = graph.get_json(path_or_url).await?;
    if !Page::is_collection(&body) {
        sink.single(&body)?;
        progress.page(1);
        return Ok(Written { items: 1, pages: 1 });
    }
    // The second page is requested as the first is written.
    let first = Page::from_json(body)?;
    write_pages(graph.pages_after(path_or_url, first), sink, progress).await
}

/// Writes every page's items; the first page's annotations open the document.
pub async fn write_pages(
    pages: impl Stream<Item = entrad_graph::Result<Page>>,
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
        for item in &page.value {
            sink.item(item)?;
        }
        sink.flush()?;
        written.pages += 1;
        written.items += page.value.len() as u64;
        progress.page(page.value.len());
    }
    if written.pages == 0 {
        sink.start(&Meta::default())?;
    }
    sink.finish()?;
    tracing::info!("listed {written}");
    Ok(written)
}
