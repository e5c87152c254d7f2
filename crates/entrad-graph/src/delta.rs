//! `users/delta` and friends: every page of a round, up to its `@odata.deltaLink`.

use futures_util::{Stream, TryStreamExt};
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::{Error, Result};
use crate::page::Page;
use crate::raw_page::RawPage;
use crate::request::Headers;

/// One delta round: the changes, and the link that asks for the next changes.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaPage {
    /// Changed or new items in full; removed ones as `{"id":..,"@removed":{"reason":..}}`.
    pub value: Vec<Value>,
    /// Call this later (with [`GraphClient::delta`]) for the changes since this round.
    pub delta_link: String,
}

impl GraphClient {
    /// Follows `link_or_path` (e.g. `v1.0/users/delta` or a saved deltaLink)
    /// through every `@odata.nextLink` up to the page with the `@odata.deltaLink`.
    pub async fn delta(&self, link_or_path: &str) -> Result<DeltaPage> {
        let mut value = Vec::new();
        let mut delta_link = None;
        let mut pages = std::pin::pin!(self.pages(link_or_path));
        while let Some(page) = pages.try_next().await? {
            value.extend(page.value);
            delta_link = page.delta_link;
        }
        let delta_link = delta_link.ok_or_else(|| Error::UnexpectedResponse {
            message: "the last delta page has no @odata.deltaLink".to_owned(),
            source: None,
        })?;
        Ok(DeltaPage { value, delta_link })
    }

    /// The pages of a delta round from `link_or_path` (the delta path, a
    /// stored nextLink or deltaLink), one at a time as [`GraphClient::pages`]
    /// gives them, so that a caller can store each page with the link after
    /// it. `max_page_size` asks for pages of that many items (`Prefer:
    /// odata.maxpagesize=N`; the service may send fewer).
    pub fn delta_pages<'a>(
        &'a self,
        link_or_path: &str,
        max_page_size: Option<u32>,
    ) -> impl Stream<Item = Result<Page>> + Send + use<'a> {
        self.pages_from(
            self.resolve(link_or_path),
            page_size_header(max_page_size),
            None,
        )
    }

    /// [`GraphClient::delta_pages`] with each item kept as the JSON text
    /// Graph sent ([`RawPage`]): no `Value` is built, for callers that store
    /// items as they came (e.g. a mirror in a database).
    pub fn raw_delta_pages<'a>(
        &'a self,
        link_or_path: &str,
        max_page_size: Option<u32>,
    ) -> impl Stream<Item = Result<RawPage>> + Send + use<'a> {
        self.pages_from(
            self.resolve(link_or_path),
            page_size_header(max_page_size),
            None,
        )
    }
}

/// `Prefer: odata.maxpagesize=N` when a size is asked for.
fn page_size_header(max_page_size: Option<u32>) -> Headers {
    max_page_size
        .map(|size| ("prefer".into(), format!("odata.maxpagesize={size}")))
        .into_iter()
        .collect()
}
