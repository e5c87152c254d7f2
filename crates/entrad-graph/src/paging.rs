//! Streams across pages, following `@odata.nextLink` verbatim.

use futures_util::{Stream, TryStreamExt, stream};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::client::GraphClient;
use crate::error::{Error, Result};
use crate::page::Page;

impl GraphClient {
    /// The pages of a collection, one request at a time, until a page has no
    /// `@odata.nextLink`. The stream ends after the first error.
    pub fn pages<'a>(
        &'a self,
        path_or_url: &str,
    ) -> impl Stream<Item = Result<Page>> + Send + use<'a> {
        self.pages_from(self.resolve(path_or_url), HeaderMap::new())
    }

    /// The items of every page, in order; memory holds one page at a time.
    pub fn items<'a>(
        &'a self,
        path_or_url: &str,
    ) -> impl Stream<Item = Result<Value>> + Send + use<'a> {
        flatten(self.pages(path_or_url))
    }

    /// Pages from `first`, sending `headers` (e.g. `ConsistencyLevel`) with every request.
    pub(crate) fn pages_from(
        &self,
        first: Result<Url>,
        headers: HeaderMap,
    ) -> impl Stream<Item = Result<Page>> + Send + use<'_> {
        stream::try_unfold(Some(first), move |next| {
            let headers = headers.clone();
            async move {
                let url = match next {
                    None => return Ok(None),
                    Some(url) => url?,
                };
                let bytes = self.execute(Method::GET, &url, &headers, None).await?;
                let page = Page::from_slice(&bytes)?;
                let next = match &page.next_link {
                    None => None,
                    Some(link) => {
                        let next = self.resolve(link)?;
                        if next == url {
                            return Err(Error::UnexpectedResponse(format!(
                                "@odata.nextLink points back to the same page ({url})"
                            )));
                        }
                        Some(Ok(next))
                    }
                };
                Ok(Some((page, next)))
            }
        })
    }
}

/// Items of a page stream, in order.
pub(crate) fn flatten<'a>(
    pages: impl Stream<Item = Result<Page>> + Send + 'a,
) -> impl Stream<Item = Result<Value>> + Send + 'a {
    pages
        .map_ok(|page| stream::iter(page.value.into_iter().map(Ok)))
        .try_flatten()
}
