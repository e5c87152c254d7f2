//! `users/delta` and friends: every page of a round, up to its `@odata.deltaLink`.

use futures_util::TryStreamExt;
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::{Error, Result};

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
}
