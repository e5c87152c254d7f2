//! Configuring a [`ConfidentialClient`].

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use entrad_http::{HttpClient, HttpOptions};

use super::confidential_client::{ConfidentialClient, Requester};
use crate::cache::{CacheKey, MemoryCache, TokenCache};
use crate::engine::Engine;
use crate::known_endpoints::{KnownEndpoints, Setup};
use crate::{Authority, Credential, Error, Result};

/// Builds a [`ConfidentialClient`]; start with [`ConfidentialClient::builder`].
pub struct ClientBuilder {
    client_id: String,
    authority: Authority,
    credential: Credential,
    http: HttpOptions,
    allow_insecure_loopback: bool,
    instance_discovery: bool,
    capabilities: Vec<String>,
    cache: Option<Arc<dyn TokenCache>>,
}

impl ConfidentialClient {
    /// Starts configuring a client for `client_id` (the Application (client) ID)
    /// at `authority` with `credential`.
    pub fn builder(
        client_id: impl Into<String>,
        authority: Authority,
        credential: Credential,
    ) -> ClientBuilder {
        ClientBuilder::new(client_id.into(), authority, credential)
    }
}

impl ClientBuilder {
    fn new(client_id: String, authority: Authority, credential: Credential) -> Self {
        ClientBuilder {
            client_id,
            authority,
            credential,
            http: HttpOptions::default(),
            allow_insecure_loopback: false,
            instance_discovery: true,
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

    /// How to talk HTTP (default [`HttpOptions::default`]): time limits, the
    /// CAs trusted too (e.g. the emulator's `ca.pem`, read by
    /// [`ClientBuilder::build`]), the retry policy. The client's
    /// [`HttpClient`] is built from them; entrad-graph sends Graph requests
    /// through it when given this client ([`ConfidentialClient::http_client`]).
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = options;
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
        let http = HttpClient::new(&self.http).map_err(http_setup)?;
        let key_parts = CacheKey::new(&self.authority, &client_id, &[]);
        let cache = self.cache.unwrap_or_else(|| Arc::new(MemoryCache::new()));
        let retries = Arc::new(AtomicU64::new(0));
        let endpoints = KnownEndpoints::new(Setup {
            http: http.clone(),
            retries: Arc::clone(&retries),
            authority: self.authority.clone(),
            instance_discovery: self.instance_discovery,
            allow_insecure_loopback: self.allow_insecure_loopback,
            cache: Arc::clone(&cache),
        });
        let requester = Requester {
            client_id,
            authority: self.authority,
            credential: self.credential,
            http,
            endpoints,
            capabilities: self.capabilities,
            retries,
        };
        Ok(ConfidentialClient {
            engine: Engine::new(requester, cache, key_parts),
        })
    }
}

/// The HTTP client could not be built from the options: a configuration
/// error saying which file or PEM is unusable, with the reason as its cause.
pub(crate) fn http_setup(error: entrad_http::Error) -> Error {
    match error {
        entrad_http::Error::CaFile { path, source } => Error::config(
            format!("cannot read the CA file {}", path.display()),
            source,
        ),
        entrad_http::Error::NotCertificates {
            what,
            problem,
            source,
        } => {
            let message = format!("{what} {problem}");
            match source {
                Some(source) => Error::ConfigCause {
                    message,
                    source: crate::Cause::from_boxed(source),
                },
                None => Error::Config(message),
            }
        }
        other => Error::config("cannot set up the HTTP client", other),
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client_id", &self.client_id)
            .field("authority", &self.authority)
            .field("credential", &self.credential)
            .field("http", &self.http)
            .field("allow_insecure_loopback", &self.allow_insecure_loopback)
            .field("instance_discovery", &self.instance_discovery)
            .field("capabilities", &self.capabilities)
            .field("cache", &self.cache)
            .finish()
    }
}
