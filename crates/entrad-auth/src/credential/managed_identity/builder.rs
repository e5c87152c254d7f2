//! Configuring a [`ManagedIdentityClient`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::Duration;

use super::client::ManagedIdentityClient;
use super::detect::{self, Env, Overrides};
use super::identity::ManagedIdentity;
use super::requester::Requester;
use crate::cache::{CacheKey, MemoryCache, TokenCache};
use crate::client::http_setup;
use crate::engine::Engine;
use crate::{HttpClient, HttpOptions, Result};

/// Builds a [`ManagedIdentityClient`]; start with [`ManagedIdentityClient::builder`].
pub struct ManagedIdentityClientBuilder {
    identity: ManagedIdentity,
    env: Option<Env>,
    imds_host: Option<String>,
    arc_key_dir: Option<PathBuf>,
    http: HttpOptions,
    probe_timeout: Option<Duration>,
    cache: Option<Arc<dyn TokenCache>>,
}

impl ManagedIdentityClient {
    /// Starts configuring a client for `identity`, e.g.
    /// [`ManagedIdentity::SystemAssigned`] or `"client-id:…".parse()?`.
    pub fn builder(identity: ManagedIdentity) -> ManagedIdentityClientBuilder {
        ManagedIdentityClientBuilder::new(identity)
    }
}

impl ManagedIdentityClientBuilder {
    fn new(identity: ManagedIdentity) -> Self {
        ManagedIdentityClientBuilder {
            identity,
            env: None,
            imds_host: None,
            arc_key_dir: None,
            http: HttpOptions::default(),
            probe_timeout: None,
            cache: None,
        }
    }

    /// Detect the source from these variables instead of the process's
    /// environment (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`, `MSI_ENDPOINT`, …).
    pub fn environment<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Some(Env::from_pairs(vars));
        self
    }

    /// The IMDS host (default `AZURE_POD_IDENTITY_AUTHORITY_HOST`, else
    /// `http://169.254.169.254`), e.g. the emulator's managed identity listener.
    pub fn imds_endpoint(mut self, host: impl Into<String>) -> Self {
        self.imds_host = Some(host.into());
        self
    }

    /// The directory Azure Arc's key files are read from (default the
    /// agent's own, `/var/opt/azcmagent/tokens`).
    pub fn arc_key_directory(mut self, dir: impl Into<PathBuf>) -> Self {
        self.arc_key_dir = Some(dir.into());
        self
    }

    /// How to talk HTTP (default [`HttpOptions::default`]): time limits and
    /// the retry policy. The endpoints are on the host: requests never go
    /// through a proxy and follow no redirect.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Until the endpoint first answers, ask once with this time limit and
    /// no retries (what a credential chain does, so that off Azure it moves
    /// on in about this long). Default off.
    pub fn probe_timeout(mut self, d: Duration) -> Self {
        self.probe_timeout = Some(d);
        self
    }

    /// Where tokens are cached (default a fresh [`MemoryCache`]).
    pub fn cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Detects the source and builds the client (no network I/O).
    pub fn build(self) -> Result<ManagedIdentityClient> {
        let env = self.env.unwrap_or_else(Env::process);
        let overrides = Overrides {
            imds_host: self.imds_host,
            arc_key_dir: self.arc_key_dir,
            http: self.http.clone(),
        };
        let endpoint = detect::endpoint(&env, &overrides)?;
        // The endpoints are on the host: never through a proxy.
        let http = HttpClient::for_host_endpoint(&self.http).map_err(http_setup)?;
        let source = endpoint.source();
        let key_parts = CacheKey {
            environment: "managed-identity".into(),
            client_id: self.identity.key(),
            realm: source.name().to_ascii_lowercase().replace(' ', "-"),
            target: String::new(),
        };
        let who = format!("{source}, {}", self.identity);
        let requester = Requester {
            identity: self.identity,
            endpoint,
            http,
            probe_timeout: self.probe_timeout,
            answered: AtomicBool::new(false),
            retries: AtomicU64::new(0),
            who,
        };
        let cache = self.cache.unwrap_or_else(|| Arc::new(MemoryCache::new()));
        Ok(ManagedIdentityClient {
            engine: Engine::new(requester, cache, key_parts),
        })
    }
}

impl fmt::Debug for ManagedIdentityClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentityClientBuilder")
            .field("identity", &self.identity)
            .field("imds_host", &self.imds_host)
            .field("arc_key_dir", &self.arc_key_dir)
            .field("http", &self.http)
            .field("probe_timeout", &self.probe_timeout)
            .finish_non_exhaustive()
    }
}
