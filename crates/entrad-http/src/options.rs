//! [`HttpOptions`]: the transport settings every entrad client takes as one value.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::retry::RetryPolicy;

/// The default time limit for one request, body included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time limit for establishing a connection: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The `User-Agent` sent unless [`HttpOptions::with_user_agent`] says otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!("entrad/", env!("CARGO_PKG_VERSION"));

/// How entrad's clients talk HTTP: time limits, the CAs trusted besides the
/// system's, the retry policy and the `User-Agent`. Plain values, cheap to
/// clone; every builder (entrad-auth's `ClientBuilder`,
/// `ManagedIdentityClientBuilder` and `ChainedCredentialBuilder`,
/// entrad-graph's `GraphClientBuilder`) takes one with `.http(options)`.
///
/// What it does not change: redirects are followed only to the same origin
/// (a redirect elsewhere would carry a secret or a token to a host nobody
/// named), and response bodies are bounded by kind ([`BodyLimit`](crate::BodyLimit)).
///
/// ```
/// use std::time::Duration;
/// use entrad_http::{HttpOptions, RetryPolicy};
///
/// let options = HttpOptions::new()
///     .with_timeout(Duration::from_secs(20))
///     .with_ca_file("state/ca.pem")
///     .with_retry_policy(RetryPolicy::default().with_max_attempts(3));
/// assert_eq!(options.timeout(), Duration::from_secs(20));
/// assert_eq!(options.connect_timeout(), entrad_http::DEFAULT_CONNECT_TIMEOUT);
/// assert_eq!(options.retry_policy().max_attempts(), 3);
/// assert_eq!(options.ca_files().len(), 1);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HttpOptions {
    timeout: Duration,
    connect_timeout: Duration,
    ca_files: Vec<PathBuf>,
    root_pems: Vec<Vec<u8>>,
    retry: RetryPolicy,
    user_agent: String,
}

impl Default for HttpOptions {
    /// 30 s per request, 10 s to connect, the system's CAs only,
    /// [`RetryPolicy::default`], [`DEFAULT_USER_AGENT`].
    fn default() -> HttpOptions {
        HttpOptions {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            ca_files: Vec::new(),
            root_pems: Vec::new(),
            retry: RetryPolicy::default(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

impl HttpOptions {
    /// The defaults ([`HttpOptions::default`]).
    pub fn new() -> HttpOptions {
        HttpOptions::default()
    }

    /// Time limit for one request, body included (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> HttpOptions {
        self.timeout = timeout;
        self
    }

    /// Time limit for establishing a connection (default 10 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> HttpOptions {
        self.connect_timeout = timeout;
        self
    }

    /// Trust the root certificate(s) in this PEM file too (e.g. the entrad
    /// emulator's `ca.pem`, or a private endpoint's CA). Read when a client
    /// is built, at most [`CA_FILE_LIMIT`](crate::CA_FILE_LIMIT); may be given
    /// several times.
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> HttpOptions {
        self.ca_files.push(path.into());
        self
    }

    /// Trust the root certificate(s) in this PEM text too.
    pub fn with_root_certificate_pem(mut self, pem: &[u8]) -> HttpOptions {
        self.root_pems.push(pem.to_vec());
        self
    }

    /// Retries of transient failures (default [`RetryPolicy::default`]).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> HttpOptions {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header (default [`DEFAULT_USER_AGENT`]).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> HttpOptions {
        self.user_agent = user_agent.into();
        self
    }

    /// Time limit for one request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Time limit for establishing a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The CA files trusted besides the system's roots.
    pub fn ca_files(&self) -> &[PathBuf] {
        &self.ca_files
    }

    /// The PEM texts trusted besides the system's roots.
    pub fn root_certificate_pems(&self) -> impl Iterator<Item = &[u8]> {
        self.root_pems.iter().map(Vec::as_slice)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The `User-Agent` header.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("ca_files", &self.ca_files)
            .field("root_pems", &self.root_pems.len())
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}
