//! Configuring a [`ConfidentialClient`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use super::{ConfidentialClient, Requester};
use crate::cache::{CacheKey, MemoryCache, TokenCache};
use crate::engine::Engine;
use crate::file_limit::{CERTIFICATE_FILE_LIMIT, read_bounded};
use crate::{Authority, Credential, Error, Result, RetryPolicy};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 5;

/// Builds a [`ConfidentialClient`]; start with [`ConfidentialClient::builder`].
pub struct ClientBuilder {
    client_id: String,
    authority: Authority,
    credential: Credential,
    ca_files: Vec<PathBuf>,
    root_pems: Vec<Vec<u8>>,
    allow_insecure_loopback: bool,
    instance_discovery: bool,
    timeout: Duration,
    connect_timeout: Duration,
    retry_policy: RetryPolicy,
    capabilities: Vec<String>,
    cache: Option<Arc<dyn TokenCache>>,
}

impl ClientBuilder {
    pub(super) fn new(client_id: String, authority: Authority, credential: Credential) -> Self {
        ClientBuilder {
            client_id,
            authority,
            credential,
            ca_files: Vec::new(),
            root_pems: Vec::new(),
            allow_insecure_loopback: false,
            instance_discovery: true,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry_policy: RetryPolicy::default(),
            capabilities: Vec::new(),
            cache: None,
        }
    }

    /// Client capabilities to declare in every token request (MSAL's
    /// `client_capabilities`): `["cp1"]` says the client handles claims
    /// challenges, so Entra issues tokens for continuous access evaluation
    /// (`xms_cc`, living up to 24 hours) that Graph revokes with a 401 claims
    /// challenge, answered with [`ConfidentialClient::acquire_token_with_claims`].
    /// The request then carries `claims={"access_token":{"xms_cc":{"values":["cp1"]}}}`,
    /// merged with any claims challenge.
    pub fn client_capabilities<I, S>(mut self, capabilities: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.capabilities = capabilities.into_iter().map(Into::into).collect();
        self
    }

    /// Trust the root certificate(s) in this PEM file too (e.g. the emulator's
    /// `ca.pem`, or a private endpoint's CA). Read by [`ClientBuilder::build`].
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Trust the root certificate(s) in this PEM text too.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_pems.push(pem.to_vec());
        self
    }

    /// Accept an `http://` authority (and endpoints) on a loopback host
    /// (127.0.0.0/8, `::1`, `localhost`): for local test servers only. Default off.
    pub fn allow_insecure_loopback(mut self, yes: bool) -> Self {
        self.allow_insecure_loopback = yes;
        self
    }

    /// Instance discovery for Entra authorities on hosts that are not known
    /// Microsoft instances (default on). It is asked of the authority's own
    /// host (`/common/discovery/instance`), which a real Entra host and the
    /// emulator both serve; known Microsoft hosts and OIDC issuers skip it.
    /// Turn it off for a custom authority that does not serve it.
    pub fn instance_discovery(mut self, yes: bool) -> Self {
        self.instance_discovery = yes;
        self
    }

    /// Time limit for one HTTP request, body included (default 30 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Time limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Retries of transient failures (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry_policy = p;
        self
    }

    /// Where tokens are cached (default a fresh [`MemoryCache`]).
    pub fn cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Checks the configuration and builds the client (no network I/O).
    pub fn build(self) -> Result<ConfidentialClient> {
        let client_id = self.client_id.trim().to_string();
        if client_id.is_empty() {
            return Err(Error::Config(
                "client_id is empty: give the app's Application (client) ID".into(),
            ));
        }
        if self.authority.is_insecure() && !self.allow_insecure_loopback {
            return Err(Error::Authority(format!(
                "{} uses http://: use https, or allow_insecure_loopback(true) for a loopback test server",
                self.authority
            )));
        }
        if let Some(bad) = self
            .capabilities
            .iter()
            .find(|c| c.trim().is_empty() || c.contains(|ch: char| ch.is_whitespace() || ch == '"'))
        {
            return Err(Error::Config(format!(
                "client capability {bad:?} is empty or contains spaces or quotes: give names such as cp1"
            )));
        }
        let http = self.http_client()?;
        let key_parts = CacheKey::new(&self.authority, &client_id, &[]);
        let requester = Requester {
            client_id,
            authority: self.authority,
            credential: self.credential,
            http,
            retry: self.retry_policy,
            instance_discovery: self.instance_discovery,
            allow_insecure_loopback: self.allow_insecure_loopback,
            endpoints: tokio::sync::OnceCell::new(),
            capabilities: self.capabilities,
            retries: AtomicU64::new(0),
        };
        let cache = self.cache.unwrap_or_else(|| Arc::new(MemoryCache::new()));
        Ok(ConfidentialClient {
            engine: Engine::new(requester, cache, key_parts),
        })
    }

    fn http_client(&self) -> Result<reqwest::Client> {
        http_client(
            &self.ca_files,
            &self.root_pems,
            self.timeout,
            self.connect_timeout,
        )
    }
}

/// The HTTP client token requests (and the Graph requests carrying their
/// tokens) go through: the CA files and PEMs trusted too, the timeouts,
/// same-origin redirects only.
pub(crate) fn http_client(
    ca_files: &[PathBuf],
    root_pems: &[Vec<u8>],
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("entrad-auth/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(same_origin_redirects());
    for path in ca_files {
        let pem = read_bounded(path, CERTIFICATE_FILE_LIMIT)
            .map_err(|e| Error::config(format!("cannot read the CA file {}", path.display()), e))?;
        for cert in roots(&pem, &path.display().to_string())? {
            builder = builder.add_root_certificate(cert);
        }
    }
    for pem in root_pems {
        for cert in roots(pem, "the root certificate PEM")? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::config("cannot set up the HTTP client", e))
}

fn roots(pem: &[u8], source: &str) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::config(format!("{source} is not a PEM certificate bundle"), e))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{source} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(certs)
}

/// A redirect to another origin would carry the form (with the secret or the
/// assertion) to a host the caller never named: only same-origin hops are followed.
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

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client_id", &self.client_id)
            .field("authority", &self.authority)
            .field("credential", &self.credential)
            .field("ca_files", &self.ca_files)
            .field("root_pems", &self.root_pems.len())
            .field("allow_insecure_loopback", &self.allow_insecure_loopback)
            .field("instance_discovery", &self.instance_discovery)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("capabilities", &self.capabilities)
            .field("cache", &self.cache)
            .finish()
    }
}
