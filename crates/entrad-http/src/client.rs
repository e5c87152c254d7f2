//! [`HttpClient`]: a configured connection pool and the options it was built from.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::error::{Error, Result};
use crate::options::HttpOptions;
use crate::pinned::Pinned;
use crate::request::{Method, Request};
use crate::retry::RetryPolicy;
use crate::roots::roots;

/// Redirects followed at most, all on the request's origin.
const MAX_REDIRECTS: usize = 5;

/// An HTTP client built from [`HttpOptions`]: one connection pool, shared by
/// its clones (cheap: a reference count). A token client hands its own to
/// entrad-graph so that token and Graph requests share connections.
///
/// ```
/// use entrad_http::{HttpClient, HttpOptions, Method};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = HttpClient::new(&HttpOptions::new())?;
/// let url = url::Url::parse("https://login.microsoftonline.com/common/discovery/instance")?;
/// // Nothing is sent until `send().await`.
/// let request = client.request(Method::Get, &url).header("Accept", "application/json");
/// assert!(format!("{request:?}").contains("GET https://login.microsoftonline.com/"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    options: Arc<HttpOptions>,
}

/// What a client is for, beyond its options.
enum Purpose {
    /// A remote service: the system's proxy settings, same-origin redirects.
    Remote,
    /// An endpoint on this host (managed identity): no proxy, no redirects,
    /// and the server certificate trusted when `accept` says so.
    Host { accept: Option<Pinned> },
}

impl HttpClient {
    /// A client for remote services (the token service, Graph): the
    /// options' time limits and roots (CA files read now), the system's proxy
    /// settings, redirects followed only on the same origin (at most 5). No
    /// network I/O.
    pub fn new(options: &HttpOptions) -> Result<HttpClient> {
        HttpClient::build(options, Purpose::Remote)
    }

    /// A client for an endpoint on this host (a managed identity endpoint):
    /// as [`HttpClient::new`], but never through a proxy and following no
    /// redirect.
    pub fn for_host_endpoint(options: &HttpOptions) -> Result<HttpClient> {
        HttpClient::build(options, Purpose::Host { accept: None })
    }

    /// As [`HttpClient::for_host_endpoint`], trusting exactly the server
    /// certificates `accept` approves (called with the DER of the server's
    /// certificate), whatever their issuer, name or dates; the handshake's
    /// signatures are still checked. For Service Fabric, whose self-signed
    /// endpoint certificate is pinned by its thumbprint. A certificate
    /// `accept` refuses fails the request as an untrusted certificate.
    pub fn pinned(
        options: &HttpOptions,
        accept: impl Fn(&[u8]) -> bool + Send + Sync + 'static,
    ) -> Result<HttpClient> {
        HttpClient::build(
            options,
            Purpose::Host {
                accept: Some(Pinned::new(accept)),
            },
        )
    }

    fn build(options: &HttpOptions, purpose: Purpose) -> Result<HttpClient> {
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent())
            .timeout(options.timeout())
            .connect_timeout(options.connect_timeout());
        builder = match purpose {
            Purpose::Remote => builder.redirect(same_origin_redirects()),
            Purpose::Host { accept } => {
                let builder = builder
                    .redirect(reqwest::redirect::Policy::none())
                    .no_proxy();
                match accept {
                    Some(pinned) => builder.use_preconfigured_tls(pinned.tls_config()?),
                    None => builder,
                }
            }
        };
        for root in roots(options)? {
            builder = builder.add_root_certificate(root);
        }
        let inner = builder.build().map_err(|e| Error::Setup(Box::new(e)))?;
        Ok(HttpClient {
            inner,
            options: Arc::new(options.clone()),
        })
    }

    /// The options the client was built from.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// The options' retry policy, which requests through this client follow.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.options.retry_policy()
    }

    /// A `method` request to `url`, sent by [`Request::send`].
    pub fn request(&self, method: Method, url: &Url) -> Request {
        Request::new(&self.inner, method, url)
    }

    /// A GET request to `url`.
    pub fn get(&self, url: &Url) -> Request {
        self.request(Method::Get, url)
    }

    /// A POST request to `url`.
    pub fn post(&self, url: &Url) -> Request {
        self.request(Method::Post, url)
    }
}

/// A redirect to another origin would carry the form (with the secret or the
/// assertion) or the bearer token to a host the caller never named: only
/// same-origin hops are followed.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

// Here rather than beside the options: the client is built from them, so the
// options' file names no client.
impl HttpOptions {
    /// A client for remote services with these options ([`HttpClient::new`]):
    /// reads the CA files, no network I/O.
    pub fn client(&self) -> Result<HttpClient> {
        HttpClient::new(self)
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
