//! [`Response`]: an answer's status and headers, and its body read within a limit.

use std::fmt;
use std::time::Duration;

use futures_util::TryStreamExt as _;
use url::Url;

use crate::error::{Error, Result};
use crate::limit::{BodyLimit, Stop, read_limited};
use crate::retry;
use crate::transport_failure::TransportFailure;

/// An answer: status and headers at once, the body when read with
/// [`Response::body`].
pub struct Response {
    inner: reqwest::Response,
}

impl Response {
    pub(crate) fn new(inner: reqwest::Response) -> Response {
        Response { inner }
    }

    /// The HTTP status, e.g. 200.
    pub fn status(&self) -> u16 {
        self.inner.status().as_u16()
    }

    /// The URL that answered (after redirects).
    pub fn url(&self) -> &Url {
        self.inner.url()
    }

    /// The first value of the header `name` (any case), when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name)?.to_str().ok()
    }

    /// Every value of the header `name` that is text, in order (e.g. several
    /// `WWW-Authenticate` challenges).
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.inner
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
    }

    /// Every header whose value is text, in the order received, names in
    /// lower case (as HTTP/2 sends them).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.inner
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
    }

    /// The `Retry-After` header as a delay: seconds, or an HTTP date from now.
    pub fn retry_after(&self) -> Option<Duration> {
        retry::retry_after(self.inner.headers())
    }

    /// Reads the body, at most `limit`: a `Content-Length` over it is refused
    /// before any byte is read, and a body that goes past it (a chunked body
    /// without end) stops being read at the chunk that crosses it, with
    /// [`Error::BodyTooLarge`] naming the limit and the host. A connection
    /// that breaks off is [`Error::Transport`].
    pub async fn body(self, limit: BodyLimit) -> Result<Vec<u8>> {
        let host = host(self.inner.url());
        let announced = self.inner.content_length();
        let chunks = self.inner.bytes_stream().map_err(|e| {
            // Reading the body is part of the request: the same classification.
            TransportFailure::from_reqwest(&e)
        });
        match read_limited(chunks, announced, limit.bytes()).await {
            Ok(body) => Ok(body),
            Err(Stop::TooLarge) => {
                tracing::debug!(%host, limit = %limit, "response body over its limit; reading stopped");
                Err(Error::BodyTooLarge { host, limit })
            }
            Err(Stop::Failed(failure)) => Err(Error::Transport(failure)),
        }
    }
}

/// `host[:port]` of `url`, for messages.
fn host(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status())
            .field("url", &self.url().as_str())
            .finish_non_exhaustive()
    }
}
