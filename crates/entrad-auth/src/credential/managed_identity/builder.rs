//! Configuring a [`ManagedIdentityClient`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::Duration;

use super::detect::{self, Env, Overrides};
use super::{ManagedIdentity, ManagedIdentityClient, Requester};
use crate::cache::{CacheKey, MemoryCache, TokenCache};
use crate::engine::Engine;
use crate::{Error, Result, RetryPolicy};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`ManagedIdentityClient`]; start with [`ManagedIdentityClient::builder`].
pub struct ManagedIdentityClientBuilder {
    identity: ManagedIdentity,
    env: Option<Env>,
    imds_host: Option<String>,
    arc_key_dir: Option<PathBuf>,
    timeout: Duration,
    connect_timeout: Duration,
    probe_timeout: Option<Duration>,
    retry_policy: RetryPolicy,
    cache: Option<Arc<dyn TokenCache>>,
}

impl ManagedIdentityClientBuilder {
    pub(super) fn new(identity: ManagedIdentity) -> Self {
        ManagedIdentityClientBuilder {
            identity,
            env: None,
            imds_host: None,
            arc_key_dir: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            probe_timeout: None,
            retry_policy: RetryPolicy::default(),
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

    /// Time limit for one HTTP request (default 30 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Time limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Until the endpoint first answers, ask once with this time limit and
    /// no retries (what a credential chain does, so that off Azure it moves
    /// on in about this long). Default off.
    pub fn probe_timeout(mut self, d: Duration) -> Self {
        self.probe_timeout = Some(d);
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

    /// Detects the source and builds the client (no network I/O).
    pub fn build(self) -> Result<ManagedIdentityClient> {
        let env = self.env.unwrap_or_else(Env::process);
        let overrides = Overrides {
            imds_host: self.imds_host,
            arc_key_dir: self.arc_key_dir,
            timeout: self.timeout,
        };
        let endpoint = detect::endpoint(&env, &overrides)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("entrad-auth/", env!("CARGO_PKG_VERSION")))
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // The endpoints are on the host: never through a proxy.
            .no_proxy()
            .build()
            .map_err(|e| Error::config("cannot set up the HTTP client", e))?;
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
            retry: self.retry_policy,
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
            .field("timeout", &self.timeout)
            .field("probe_timeout", &self.probe_timeout)
            .field("retry_policy", &self.retry_policy)
            .finish_non_exhaustive()
    }
}
