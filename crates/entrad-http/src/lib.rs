//! The HTTP layer of entrad's clients: one home for what entrad-auth's token
//! clients and entrad-graph share, used by both as peers.
//!
//! * [`HttpOptions`]: the transport settings as one plain value (time limits,
//!   CA files and PEM roots, [`RetryPolicy`], `User-Agent`), taken by every
//!   entrad builder with `.http(options)`.
//! * [`HttpClient`]: a connection pool built from them, with rustls and
//!   redirects followed only on the same origin; [`HttpClient::for_host_endpoint`]
//!   and [`HttpClient::pinned`] for managed identity endpoints.
//! * [`Request`] / [`Response`]: a small request API (method, URL, headers as
//!   strings, form, JSON or raw bodies) whose bodies are read within a
//!   [`BodyLimit`] per kind, incrementally, stopping at the limit.
//! * The one retry loop, [`run`], with [`RetryPolicy`], the statuses each
//!   service is retried on ([`StatusSet`]), [`Attempt`] and [`Failed`].
//! * [`Error`]: one error type; [`TransportFailure`] tells an untrusted
//!   certificate (never retried) from a network failure (retried when it may pass).
//!
//! No type of the HTTP stack underneath (reqwest, hyper, http) appears in this
//! API: it can change without breaking its users.
//!
//! # Limits
//!
//! Every body entrad reads from the network is bounded, so a hostile or
//! broken server cannot make a client allocate without end:
//!
//! | kind | limit |
//! |---|---|
//! | token service replies (token, OAuth error, OpenID metadata, instance discovery): [`BodyLimit::TOKEN_SERVICE`] | 64 KiB |
//! | managed identity replies: [`BodyLimit::MANAGED_IDENTITY`] | 64 KiB |
//! | Graph responses (a page, an object, a `$batch` answer): [`BodyLimit::GRAPH`] | 64 MiB |
//! | CA files ([`CA_FILE_LIMIT`]) | 1 MiB |
//!
//! (entrad-auth bounds Redis cache entries at 1 MiB: `RedisCache::ENTRY_LIMIT`.)
//! A body over its limit is [`Error::BodyTooLarge`], whose one-line message
//! names the limit and the host.
//!
//! # Example
//!
//! ```
//! use std::sync::atomic::AtomicU64;
//! use std::time::Duration;
//! use entrad_http::{Attempt, BodyLimit, HttpOptions, RetryPolicy, StatusSet};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = HttpOptions::new()
//!     .with_timeout(Duration::from_secs(5))
//!     .with_retry_policy(RetryPolicy::none());
//! let client = options.client()?;
//! // Nothing listens on port 1 of loopback: the one attempt fails, retryable.
//! let url = url::Url::parse("http://127.0.0.1:1/status")?;
//! let retries = AtomicU64::new(0);
//! let outcome = entrad_http::run(&client.retry_policy(), &retries, "status", || async {
//!     match client.get(&url).send().await {
//!         Ok(response) if StatusSet::GRAPH.contains(response.status()) => Attempt::Transient {
//!             retry_after: response.retry_after(),
//!             failure: format!("HTTP {}", response.status()),
//!         },
//!         Ok(response) => Attempt::Done(response.body(BodyLimit::GRAPH).await),
//!         Err(e) => Attempt::Transient { failure: e.to_string(), retry_after: None },
//!     }
//! })
//! .await;
//! let failed = outcome.unwrap_err();
//! assert_eq!(failed.attempts, 1);
//! assert!(failed.failure.contains("127.0.0.1:1"), "{}", failed.failure);
//! # Ok(())
//! # }
//! ```

// docs.rs (all features, `--cfg docsrs`) labels feature-gated items with their feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
mod file;
#[doc(hidden)]
pub mod fuzz;
mod limit;
mod options;
mod pinned;
mod request;
mod response;
mod retry;
mod roots;
mod transport_failure;

pub use client::HttpClient;
pub use error::{Error, Result};
pub use file::{read_bounded, read_bounded_async};
pub use limit::BodyLimit;
pub use options::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, HttpOptions};
pub use request::{Method, Request};
pub use response::Response;
pub use retry::{Attempt, Failed, RetryPolicy, StatusSet, run};
pub use roots::CA_FILE_LIMIT;
pub use transport_failure::TransportFailure;

/// The reason phrase of an HTTP status ("Service Unavailable" for 503), when
/// the status is a registered one.
pub fn canonical_reason(status: u16) -> Option<&'static str> {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
}

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
