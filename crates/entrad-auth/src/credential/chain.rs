//! A credential chain in the order azure-identity's `DefaultAzureCredential`
//! uses for a daemon: environment (secret, certificate, PFX) → workload
//! identity (`AZURE_FEDERATED_TOKEN_FILE`) → managed identity → Azure CLI.
//! The first source that gives a token is remembered and used from then on.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt as _};

use super::azure_cli::{self, AzureCli};
use super::managed_identity::detect::Env;
use crate::cache::{CacheKey, MemoryCache, TokenCache};
use crate::engine::Engine;
use crate::file_limit::{CERTIFICATE_FILE_LIMIT, read_bounded};
use crate::{
    AccessToken, Authority, ConfidentialClient, Credential, Error, ErrorKind, HttpOptions,
    ManagedIdentity, ManagedIdentityClient, Result, TokenSource,
};

/// The IMDS probe's default time limit inside a chain.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(1);
const DEFAULT_CLI_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";
const MANAGED_IDENTITY: &str = "managed identity";

/// Tries each source in azure-identity's order and remembers the first that
/// gives a token. When all fail, [`Error::NoCredential`] lists each source
/// and why.
///
/// ```
/// use entrad_auth::ChainedCredential;
///
/// # fn main() -> entrad_auth::Result<()> {
/// let chain = ChainedCredential::builder()
///     .environment([
///         ("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000001"),
///         ("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000002"),
///         ("AZURE_CLIENT_SECRET", "the secret's Value"),
///     ])
///     .build()?;
/// assert_eq!(
///     chain.sources(),
///     ["environment", "workload identity", "managed identity", "Azure CLI"]
/// );
/// assert!(!format!("{chain:?}").contains("the secret's Value"));
/// # Ok(())
/// # }
/// ```
pub struct ChainedCredential {
    links: Vec<Link>,
    chosen: Mutex<Option<usize>>,
}

struct Link {
    name: &'static str,
    source: std::result::Result<Arc<dyn TokenSource>, String>,
}

/// Builds a [`ChainedCredential`]; start with [`ChainedCredential::builder`].
pub struct ChainedCredentialBuilder {
    env: Option<Env>,
    http: HttpOptions,
    imds_host: Option<String>,
    probe_timeout: Duration,
    managed_identity: Option<ManagedIdentity>,
    cli_timeout: Duration,
    cache: Option<Arc<dyn TokenCache>>,
}

impl ChainedCredential {
    /// Starts configuring a chain (read from the process's environment by default).
    pub fn builder() -> ChainedCredentialBuilder {
        ChainedCredentialBuilder {
            env: None,
            http: HttpOptions::default(),
            imds_host: None,
            probe_timeout: DEFAULT_PROBE_TIMEOUT,
            managed_identity: None,
            cli_timeout: DEFAULT_CLI_TIMEOUT,
            cache: None,
        }
    }

    /// The sources in the order they are tried.
    pub fn sources(&self) -> Vec<&'static str> {
        self.links.iter().map(|l| l.name).collect()
    }

    /// The source that served the last token, once one has.
    pub fn chosen(&self) -> Option<String> {
        let chosen = *self.chosen.lock().unwrap_or_else(PoisonError::into_inner);
        chosen.and_then(|i| self.links[i].source.as_ref().ok().map(|s| s.source_name()))
    }

    /// A token from the remembered source, or from the first that gives one.
    pub async fn acquire_token(&self, scopes: &[&str]) -> Result<AccessToken> {
        if let Some(source) = self.remembered() {
            return source.acquire_token(scopes).await;
        }
        let mut reasons = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            let source = match &link.source {
                Ok(source) => source,
                Err(reason) => {
                    reasons.push(format!("{}: {reason}", link.name));
                    continue;
                }
            };
            let started = std::time::Instant::now();
            match source.acquire_token(scopes).await {
                Ok(token) => {
                    tracing::info!(source = %source.source_name(), "credential chain: using this source");
                    *self.chosen.lock().unwrap_or_else(PoisonError::into_inner) = Some(i);
                    return Ok(token);
                }
                Err(e) if unavailable(link.name, &e) => {
                    let elapsed_ms =
                        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    tracing::info!(
                        source = link.name,
                        elapsed_ms,
                        "credential chain: {} unavailable after {elapsed_ms} ms",
                        link.name
                    );
                    reasons.push(format!("{}: {}", link.name, describe(&e)));
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::NoCredential {
            reasons: reasons.join("; "),
        })
    }

    fn remembered(&self) -> Option<&Arc<dyn TokenSource>> {
        let chosen = *self.chosen.lock().unwrap_or_else(PoisonError::into_inner);
        chosen.and_then(|i| self.links[i].source.as_ref().ok())
    }
}

/// Whether the chain moves on after `e` from the source `name`: it was not
/// configured or not reachable; a managed identity's 400 is a host without
/// that identity (azure-identity's rule for IMDS). A refusal stops the chain.
fn unavailable(name: &str, e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Unavailable | ErrorKind::Config)
        || (name == MANAGED_IDENTITY && e.service_error().is_some_and(|s| s.status == 400))
}

/// An error and its causes on one line (the chain's reasons are read alone).
fn describe(e: &Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl ChainedCredentialBuilder {
    /// Read these variables instead of the process's environment.
    pub fn environment<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Some(Env::from_pairs(vars));
        self
    }

    /// How every source talks HTTP (default [`HttpOptions::default`]): time
    /// limits, the CAs trusted too for the token service (e.g. the emulator's
    /// `ca.pem`), the retry policy. The managed identity source asks once
    /// with the [probe timeout](Self::probe_timeout) until its endpoint
    /// first answers.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// The IMDS host for the managed identity source.
    pub fn imds_endpoint(mut self, host: impl Into<String>) -> Self {
        self.imds_host = Some(host.into());
        self
    }

    /// How long the managed identity source waits for a first answer
    /// before the chain moves on (default 1 s).
    pub fn probe_timeout(mut self, d: Duration) -> Self {
        self.probe_timeout = d;
        self
    }

    /// The managed identity to ask for (default: `AZURE_CLIENT_ID` as a
    /// client id when set, as azure-identity does, else system-assigned).
    pub fn managed_identity(mut self, identity: ManagedIdentity) -> Self {
        self.managed_identity = Some(identity);
        self
    }

    /// Time limit for `az account get-access-token` (default 10 s).
    pub fn cli_timeout(mut self, d: Duration) -> Self {
        self.cli_timeout = d;
        self
    }

    /// Where every source caches its tokens (default one [`MemoryCache`]).
    pub fn cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Builds the chain: each source configured, or the reason it is not (no I/O).
    pub fn build(self) -> Result<ChainedCredential> {
        let env = self.env.clone().unwrap_or_else(Env::process);
        let cache = self
            .cache
            .clone()
            .unwrap_or_else(|| Arc::new(MemoryCache::new()));
        let links = vec![
            Link {
                name: "environment",
                source: self.environment_source(&env, &cache),
            },
            Link {
                name: "workload identity",
                source: self.workload_source(&env, &cache),
            },
            Link {
                name: MANAGED_IDENTITY,
                source: self.managed_identity_source(&env, &cache),
            },
            Link {
                name: "Azure CLI",
                source: self.cli_source(&env, &cache),
            },
        ];
        Ok(ChainedCredential {
            links,
            chosen: Mutex::new(None),
        })
    }

    fn confidential(
        &self,
        env: &Env,
        credential: Credential,
        cache: &Arc<dyn TokenCache>,
    ) -> std::result::Result<Arc<dyn TokenSource>, String> {
        let (Some(tenant), Some(client_id)) =
            (env.get("AZURE_TENANT_ID"), env.get("AZURE_CLIENT_ID"))
        else {
            return Err("AZURE_TENANT_ID and AZURE_CLIENT_ID are not both set".into());
        };
        let host = env
            .get("AZURE_AUTHORITY_HOST")
            .unwrap_or(DEFAULT_AUTHORITY_HOST)
            .trim_end_matches('/');
        let authority = Authority::parse(&format!("{host}/{tenant}")).map_err(|e| describe(&e))?;
        let client = ConfidentialClient::builder(client_id, authority, credential)
            .http(self.http.clone())
            .cache(cache.clone())
            .build()
            .map_err(|e| describe(&e))?;
        Ok(Arc::new(client))
    }

    fn environment_source(
        &self,
        env: &Env,
        cache: &Arc<dyn TokenCache>,
    ) -> std::result::Result<Arc<dyn TokenSource>, String> {
        let credential = if let Some(secret) = env.get("AZURE_CLIENT_SECRET") {
            Credential::secret(secret)
        } else if let Some(path) = env.get("AZURE_CLIENT_CERTIFICATE_PATH") {
            certificate(path, env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
                .map_err(|e| describe(&e))?
        } else {
            return Err(
                "neither AZURE_CLIENT_SECRET nor AZURE_CLIENT_CERTIFICATE_PATH is set".into(),
            );
        };
        self.confidential(env, credential, cache)
    }

    fn workload_source(
        &self,
        env: &Env,
        cache: &Arc<dyn TokenCache>,
    ) -> std::result::Result<Arc<dyn TokenSource>, String> {
        let Some(file) = env.get("AZURE_FEDERATED_TOKEN_FILE") else {
            return Err("AZURE_FEDERATED_TOKEN_FILE is not set".into());
        };
        self.confidential(env, Credential::assertion_file(file), cache)
    }

    fn managed_identity_source(
        &self,
        env: &Env,
        cache: &Arc<dyn TokenCache>,
    ) -> std::result::Result<Arc<dyn TokenSource>, String> {
        let identity = match (&self.managed_identity, env.get("AZURE_CLIENT_ID")) {
            (Some(identity), _) => identity.clone(),
            (None, Some(client_id)) => ManagedIdentity::ClientId(client_id.to_string()),
            (None, None) => ManagedIdentity::SystemAssigned,
        };
        let mut builder = ManagedIdentityClient::builder(identity)
            .environment(env.pairs())
            .http(self.http.clone())
            .probe_timeout(self.probe_timeout)
            .cache(cache.clone());
        if let Some(host) = &self.imds_host {
            builder = builder.imds_endpoint(host.clone());
        }
        let client = builder.build().map_err(|e| describe(&e))?;
        Ok(Arc::new(client))
    }

    fn cli_source(
        &self,
        env: &Env,
        cache: &Arc<dyn TokenCache>,
    ) -> std::result::Result<Arc<dyn TokenSource>, String> {
        let program =
            azure_cli::find(env.get("PATH")).ok_or("az is not installed (not found on PATH)")?;
        let cli = AzureCli {
            program,
            tenant: env.get("AZURE_TENANT_ID").map(str::to_string),
            timeout: self.cli_timeout,
        };
        let key_parts = CacheKey {
            environment: "azure-cli".into(),
            client_id: String::new(),
            realm: env.get("AZURE_TENANT_ID").unwrap_or_default().to_string(),
            target: String::new(),
        };
        Ok(Arc::new(CliCredential {
            engine: Engine::new(cli, cache.clone(), key_parts),
        }))
    }
}

/// A PEM (key and certificate in one file) or, by its extension, a PKCS#12 file.
fn certificate(path: &str, password: Option<&str>) -> Result<Credential> {
    let bytes = read_bounded(std::path::Path::new(path), CERTIFICATE_FILE_LIMIT).map_err(|e| {
        Error::config(
            format!("cannot read AZURE_CLIENT_CERTIFICATE_PATH {path}"),
            e,
        )
    })?;
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".pfx") || lower.ends_with(".p12") {
        Credential::pkcs12(&bytes, password.unwrap_or_default())
    } else {
        Credential::certificate_pem(&bytes, &bytes)
    }
}

/// The Azure CLI as a token source.
struct CliCredential {
    engine: Engine<AzureCli>,
}

impl fmt::Debug for CliCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CliCredential")
            .field("program", &self.engine.fetcher().program)
            .finish_non_exhaustive()
    }
}

impl TokenSource for CliCredential {
    fn acquire_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        self.engine.acquire(scopes).boxed()
    }

    fn acquire_token_with_claims<'a>(
        &'a self,
        scopes: &'a [&'a str],
        claims: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        self.engine.acquire_with_claims(scopes, claims).boxed()
    }

    fn forget_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<()>> {
        self.engine.forget(scopes).boxed()
    }

    fn retries(&self) -> u64 {
        0
    }

    fn token_requests(&self) -> u64 {
        self.engine.requests()
    }

    fn source_name(&self) -> String {
        "Azure CLI".into()
    }
}

impl TokenSource for ChainedCredential {
    fn acquire_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        ChainedCredential::acquire_token(self, scopes).boxed()
    }

    fn acquire_token_with_claims<'a>(
        &'a self,
        scopes: &'a [&'a str],
        claims: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        async move {
            match self.remembered() {
                Some(source) => source.acquire_token_with_claims(scopes, claims).await,
                None => self.acquire_token(scopes).await,
            }
        }
        .boxed()
    }

    fn forget_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<()>> {
        async move {
            match self.remembered() {
                Some(source) => source.forget_token(scopes).await,
                None => Ok(()),
            }
        }
        .boxed()
    }

    fn retries(&self) -> u64 {
        self.links
            .iter()
            .filter_map(|l| l.source.as_ref().ok())
            .map(|s| s.retries())
            .sum()
    }

    fn token_requests(&self) -> u64 {
        self.links
            .iter()
            .filter_map(|l| l.source.as_ref().ok())
            .map(|s| s.token_requests())
            .sum()
    }

    fn source_name(&self) -> String {
        match self.chosen() {
            Some(name) => format!("credential chain: {name}"),
            None => "credential chain".into(),
        }
    }
}

impl fmt::Debug for ChainedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for link in &self.links {
            match &link.source {
                Ok(source) => list.entry(source),
                Err(reason) => list.entry(&format_args!("{}: {reason}", link.name)),
            };
        }
        list.finish()
    }
}

impl fmt::Debug for ChainedCredentialBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainedCredentialBuilder")
            .field("http", &self.http)
            .field("imds_host", &self.imds_host)
            .field("probe_timeout", &self.probe_timeout)
            .field("managed_identity", &self.managed_identity)
            .finish_non_exhaustive()
    }
}
