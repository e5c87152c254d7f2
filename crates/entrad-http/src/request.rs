//! [`Request`]: one request being put together, and [`Method`].

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::response::Response;
use crate::transport_failure::TransportFailure;

/// The HTTP methods entrad sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
}

impl Method {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// Sending it twice has the effect of sending it once (RFC 9110 9.2.2),
    /// so a request that got no answer, or a 5xx, may be sent again.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Put | Method::Delete | Method::Head
        )
    }

    /// The method named `name` (any case), if entrad sends it.
    pub fn parse(name: &str) -> Option<Method> {
        [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
            Method::Head,
        ]
        .into_iter()
        .find(|method| method.as_str().eq_ignore_ascii_case(name))
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request from [`HttpClient::request`](crate::HttpClient::request), sent
/// with [`Request::send`]. A header name or value that HTTP cannot carry (a
/// line break) fails the send, never earlier. `Debug` shows the method and
/// the URL only: header values and bodies may hold secrets.
pub struct Request {
    inner: reqwest::RequestBuilder,
    method: Method,
    url: Url,
}

impl Request {
    pub(crate) fn new(client: &reqwest::Client, method: Method, url: &Url) -> Request {
        Request {
            inner: client.request(method.to_reqwest(), url.clone()),
            method,
            url: url.clone(),
        }
    }

    /// Adds the header `name: value` (a second one with the same name is
    /// added, not replaced).
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.inner = self.inner.header(name, value);
        self
    }

    /// Adds `name=value` pairs to the URL's query, form-encoded.
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Request {
        self.inner = self.inner.query(pairs);
        self
    }

    /// `Authorization: Bearer <token>`, marked sensitive.
    pub fn bearer_auth(mut self, token: &str) -> Request {
        self.inner = self.inner.bearer_auth(token);
        self
    }

    /// The body `pairs`, form-encoded, with its `Content-Type`.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Request {
        self.inner = self.inner.form(pairs);
        self
    }

    /// `body` as it is, with `Content-Type: content_type`.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Request {
        self.inner = self
            .inner
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body.into());
        self
    }

    /// `value` as a JSON body, with its `Content-Type`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Request {
        self.inner = self.inner.json(value);
        self
    }

    /// A time limit for this request instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.inner = self.inner.timeout(timeout);
        self
    }

    /// Sends the request; the answer's status and headers, its body to read
    /// with [`Response::body`]. An answer of any status is a response; an
    /// error means none came ([`Error::Transport`]).
    pub async fn send(self) -> Result<Response> {
        match self.inner.send().await {
            Ok(response) => Ok(Response::new(response)),
            Err(e) => Err(Error::Transport(TransportFailure::from_reqwest(&e))),
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Request({} {})", self.method, self.url)
    }
}
