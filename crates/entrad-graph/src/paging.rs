//! Streams across pages, following `@odata.nextLink` verbatim, one page ahead.
//!
//! A link is only followed on the origin of the page that carried it, and a
//! chain of links that comes back to a page it already requested is an error:
//! a broken or hostile page can neither collect the token nor keep a listing
//! going forever.

use bytes::Bytes;
use entrad_http::Method;
use futures_util::{Stream, TryStreamExt, stream};
use serde_json::Value;
use tokio::task::JoinHandle;
use url::Url;

use crate::client::GraphClient;
use crate::cycle::CycleCheck;
use crate::error::{Error, Result};
use crate::origin;
use crate::page::Page;
use crate::raw_page::RawPage;
use crate::request::Headers;

const NEXT_LINK: &str = "@odata.nextLink";
const DELTA_LINK: &str = "@odata.deltaLink";

/// A page as the stream hands it out: parsed from a body, with its links.
pub(crate) trait Paged: Sized + Send + 'static {
    fn parse(body: Bytes) -> Result<Self>;
    fn next_link(&self) -> Option<&str>;
    fn delta_link(&self) -> Option<&str>;
    /// The number of items.
    fn len(&self) -> usize;
}

impl Paged for Page {
    fn parse(body: Bytes) -> Result<Self> {
        Page::from_slice(&body)
    }
    fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
    fn delta_link(&self) -> Option<&str> {
        self.delta_link.as_deref()
    }
    fn len(&self) -> usize {
        self.value.len()
    }
}

impl Paged for RawPage {
    fn parse(body: Bytes) -> Result<Self> {
        RawPage::from_bytes(body)
    }
    fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
    fn delta_link(&self) -> Option<&str> {
        self.delta_link.as_deref()
    }
    fn len(&self) -> usize {
        RawPage::len(self)
    }
}

impl GraphClient {
    /// The pages of a collection until a page has no `@odata.nextLink`. The
    /// next page is requested as soon as a page's link is known, so it
    /// arrives while the caller works through the current one: at most two
    /// pages are held, the one handed out and the one on its way. An error
    /// comes after the pages before it, and ends the stream. Dropping the
    /// stream cancels the request ahead.
    pub fn pages<'a>(
        &'a self,
        path_or_url: &str,
    ) -> impl Stream<Item = Result<Page>> + Send + use<'a> {
        self.pages_from(self.resolve(path_or_url), Headers::new(), None)
    }

    /// [`GraphClient::pages`] with each item kept as the JSON text Graph sent
    /// ([`RawPage`]): no `Value` is built, for callers that pass items on.
    pub fn raw_pages<'a>(
        &'a self,
        path_or_url: &str,
    ) -> impl Stream<Item = Result<RawPage>> + Send + use<'a> {
        self.pages_from(self.resolve(path_or_url), Headers::new(), None)
    }

    /// `first`, a page already fetched from `path_or_url` (e.g. with
    /// [`GraphClient::get_json`]), then the pages its `@odata.nextLink` leads
    /// to, as [`GraphClient::pages`] gives them: the second page is requested
    /// as `first` is handed out. `path_or_url` is where links must stay.
    pub fn pages_after<'a>(
        &'a self,
        path_or_url: &str,
        first: Page,
    ) -> impl Stream<Item = Result<Page>> + Send + use<'a> {
        self.after(path_or_url, first, None)
    }

    /// [`GraphClient::pages_after`] for [`RawPage`]s (e.g. from [`GraphClient::get_raw`]).
    pub fn raw_pages_after<'a>(
        &'a self,
        path_or_url: &str,
        first: RawPage,
    ) -> impl Stream<Item = Result<RawPage>> + Send + use<'a> {
        self.after(path_or_url, first, None)
    }

    /// [`GraphClient::raw_pages_after`] for a caller that wants `limit` items at
    /// most: no page is requested after the one that brings the items to
    /// `limit` (that page is handed out whole: the caller takes what it
    /// needs of it), and with `limit` 0 the stream is empty.
    pub fn raw_pages_after_limited<'a>(
        &'a self,
        path_or_url: &str,
        first: RawPage,
        limit: u64,
    ) -> impl Stream<Item = Result<RawPage>> + Send + use<'a> {
        self.after(path_or_url, first, Some(limit))
    }

    fn after<P: Paged>(
        &self,
        path_or_url: &str,
        first: P,
        limit: Option<u64>,
    ) -> impl Stream<Item = Result<P>> + Send + use<'_, P> {
        let mut cycle = CycleCheck::new();
        let next = match self.resolve(path_or_url) {
            Ok(from) => {
                cycle.visit(&from);
                self.next_url(&from, &first)
            }
            Err(e) => Some(Err(e)),
        };
        let received = Received { next, page: first };
        self.stream(Ahead::Received(Ok(received)), Headers::new(), cycle, limit)
    }

    /// The items of every page, in order; memory holds two pages at most.
    pub fn items<'a>(
        &'a self,
        path_or_url: &str,
    ) -> impl Stream<Item = Result<Value>> + Send + use<'a> {
        flatten(self.pages(path_or_url))
    }

    /// Pages from `first`, sending `headers` (e.g. `ConsistencyLevel`) with every
    /// request; with a `limit`, none after the page that brings the items to it.
    pub(crate) fn pages_from<P: Paged>(
        &self,
        first: Result<Url>,
        headers: Headers,
        limit: Option<u64>,
    ) -> impl Stream<Item = Result<P>> + Send + use<'_, P> {
        let mut cycle = CycleCheck::new();
        if let Ok(url) = &first {
            cycle.visit(url);
        }
        self.stream(Ahead::First(first), headers, cycle, limit)
    }

    /// Hands out each page once the next one's request is on its way.
    /// `cycle` has seen the URLs requested so far; `limit` is how many items
    /// are still wanted (`None`: all of them).
    fn stream<P: Paged>(
        &self,
        start: Ahead<P>,
        headers: Headers,
        cycle: CycleCheck,
        limit: Option<u64>,
    ) -> impl Stream<Item = Result<P>> + Send + use<'_, P> {
        // Nothing wanted: nothing requested.
        let start = (limit != Some(0)).then_some((start, headers, cycle, limit));
        stream::unfold(start, move |state| async move {
            let (ahead, headers, mut cycle, limit) = state?;
            let received = match ahead {
                // Nothing to overlap with yet: fetched here, on first poll.
                Ahead::First(Ok(url)) => self.fetch_now(url, &headers).await,
                Ahead::First(Err(e)) => Err(e),
                Ahead::Received(received) => received,
                Ahead::Requested(Ok(fetch)) => fetch.finish().await,
                Ahead::Requested(Err(e)) => Err(e),
            };
            match received {
                Err(e) => Some((Err(e), None)),
                Ok(Received { page, next: None }) => Some((Ok(page), None)),
                Ok(Received {
                    page,
                    next: Some(next),
                }) => {
                    let limit = limit.map(|wanted| wanted.saturating_sub(page.len() as u64));
                    // The caller has all it wants: the next page is not asked for.
                    if limit == Some(0) {
                        return Some((Ok(page), None));
                    }
                    let next = next
                        .and_then(|url| {
                            if cycle.visit(&url) {
                                Ok(url)
                            } else {
                                Err(Error::LinkCycle {
                                    url: url.to_string(),
                                })
                            }
                        })
                        .map(|url| self.fetch(url, headers.clone()));
                    Some((
                        Ok(page),
                        Some((Ahead::Requested(next), headers, cycle, limit)),
                    ))
                }
            }
        })
    }

    /// Starts fetching the page at `url` on its own task.
    fn fetch<P: Paged>(&self, url: Url, headers: Headers) -> Fetch<P> {
        let graph = self.clone();
        Fetch {
            task: tokio::spawn(async move { graph.fetch_now(url, &headers).await }),
        }
    }

    /// One page, and the URL of the next one (checked not to be this page's).
    async fn fetch_now<P: Paged>(&self, url: Url, headers: &Headers) -> Result<Received<P>> {
        let bytes = self.execute(Method::Get, &url, headers, None).await?;
        let page = P::parse(bytes)?;
        let next = self.next_url(&url, &page);
        if let Some(Ok(next)) = &next
            && *next == url
        {
            return Err(Error::UnexpectedResponse {
                message: format!("@odata.nextLink points back to the same page ({url})"),
                source: None,
            });
        }
        Ok(Received { page, next })
    }

    /// Checks an `@odata.nextLink` that a page from `page_url` carried,
    /// before a caller keeps it to follow later (e.g. stores it to resume a
    /// delta round from): the rule the page streams apply when they follow a
    /// link ([`Error::CrossOriginLink`]: it stays on the page's origin), and
    /// the token's origin rule ([`Error::OriginNotAllowed`],
    /// [`Error::InsecureUrl`]). A stream hands out a page before the error
    /// for its link: a caller storing links checks them itself.
    pub fn check_next_link(&self, page_url: &str, link: &str) -> Result<()> {
        self.check_link(NEXT_LINK, page_url, link)
    }

    /// [`GraphClient::check_next_link`] for an `@odata.deltaLink`.
    pub fn check_delta_link(&self, page_url: &str, link: &str) -> Result<()> {
        self.check_link(DELTA_LINK, page_url, link)
    }

    fn check_link(&self, name: &'static str, page_url: &str, link: &str) -> Result<()> {
        let from = self.resolve(page_url)?;
        let url = self.resolve(link)?;
        if url.origin() != from.origin() {
            return Err(Error::CrossOriginLink {
                link: name,
                page_origin: origin::display(&from),
                link_origin: origin::display(&url),
            });
        }
        self.origins.check(&url)?;
        Ok(())
    }

    /// Where `page` (from `from`) leads: its nextLink, if any. Either link
    /// leading to another origin than `from` is an error that comes after the page.
    fn next_url(&self, from: &Url, page: &impl Paged) -> Option<Result<Url>> {
        let same_origin = |link: &'static str, text: &str| {
            let url = self.resolve(text)?;
            if url.origin() == from.origin() {
                Ok(url)
            } else {
                Err(Error::CrossOriginLink {
                    link,
                    page_origin: origin::display(from),
                    link_origin: origin::display(&url),
                })
            }
        };
        if let Some(Err(e)) = page.delta_link().map(|text| same_origin(DELTA_LINK, text)) {
            return Some(Err(e));
        }
        let next = page.next_link()?;
        Some(same_origin(NEXT_LINK, next))
    }
}

/// What comes after the page just handed out.
enum Ahead<P> {
    /// Nothing yet: the first page's URL (or why there is none).
    First(Result<Url>),
    /// A page on hand (or a link that cannot be followed).
    Received(Result<Received<P>>),
    /// The next page's request (or why it could not be made).
    Requested(Result<Fetch<P>>),
}

/// A page, and where the next one is (`Err` when its link is unusable: the
/// error comes after the page).
struct Received<P> {
    page: P,
    next: Option<Result<Url>>,
}

/// A page being fetched on its own task; dropping it cancels the task.
struct Fetch<P> {
    task: JoinHandle<Result<Received<P>>>,
}

impl<P> Fetch<P> {
    async fn finish(mut self) -> Result<Received<P>> {
        match (&mut self.task).await {
            Ok(received) => received,
            // A panic in the request is a bug: raise it where it would have
            // been raised without the task.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(Error::unexpected("the page request was cancelled", e)),
        }
    }
}

impl<P> Drop for Fetch<P> {
    fn drop(&mut self) {
        self.task.abort();
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
