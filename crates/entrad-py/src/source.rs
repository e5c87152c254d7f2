//! `entrad._entrad.TokenClient`: one token source (the app's credential, a
//! managed identity or the chain) as Python sees it, rebuilt in each process.
//!
//! The recipe (authority, credential, options) is kept; the client built from
//! it holds HTTP connections and cache handles that belong to the process's
//! runtime, so a forked child builds its own from the same recipe.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use entrad_auth::{
    AccessToken, Authority, CacheSpec, ChainedCredential, ConfidentialClient, Credential,
    HttpOptions, ManagedIdentity, ManagedIdentityClient, TokenSource,
};
use pyo3::prelude::*;

use crate::errors::{auth_error, config_error};
use crate::logging;
use crate::runtime;

/// What a token source is made from.
#[derive(Clone)]
pub(crate) enum Recipe {
    /// The app's own credential (client credentials flow).
    App {
        client_id: String,
        authority: Authority,
        credential: Credential,
        capabilities: Vec<String>,
        instance_discovery: bool,
    },
    /// A managed identity of the host.
    ManagedIdentity(ManagedIdentity),
    /// azure-identity's chain, as `--credential chain`.
    Chain,
}

/// A recipe with its transport and cache.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) recipe: Recipe,
    pub(crate) http: HttpOptions,
    pub(crate) cache: CacheSpec,
}

/// The source built in one process.
#[derive(Clone)]
pub(crate) struct Built {
    pid: u32,
    pub(crate) source: Arc<dyn TokenSource>,
    /// The same source when it is a confidential client (Graph borrows its HTTP client).
    pub(crate) confidential: Option<ConfidentialClient>,
}

/// A token as the Python side receives it: the bearer value, its type, when
/// it expires and when to refresh it (Unix seconds), and whether it came from the cache.
pub(crate) type TokenTuple = (String, String, u64, Option<u64>, bool);

/// A source of access tokens (the native half of `entrad.Credential` and
/// `entrad.msal.ConfidentialClientApplication`).
#[pyclass(module = "entrad._entrad", frozen)]
pub(crate) struct TokenClient {
    pub(crate) settings: Settings,
    built: Mutex<Option<Built>>,
}

impl TokenClient {
    /// Checks `settings` by building the source once, in this process.
    pub(crate) fn new(py: Python<'_>, settings: Settings) -> PyResult<TokenClient> {
        let built = build(py, &settings)?;
        Ok(TokenClient {
            settings,
            built: Mutex::new(Some(built)),
        })
    }

    /// This process's source (built again after a fork). Called attached to
    /// the interpreter, so no other thread holds the lock across a fork.
    pub(crate) fn built(&self, py: Python<'_>) -> PyResult<Built> {
        let mut slot = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(built) = slot.as_ref()
            && built.pid == std::process::id()
        {
            return Ok(built.clone());
        }
        let built = build(py, &self.settings)?;
        *slot = Some(built.clone());
        Ok(built)
    }
}

/// Builds the source of `settings` inside this process's runtime (the Redis
/// cache's connection belongs to it).
fn build(py: Python<'_>, settings: &Settings) -> PyResult<Built> {
    let runtime = runtime::runtime(py)?;
    let _context = runtime.enter();
    let cache = settings.cache.build().map_err(|e| auth_error(py, &e))?;
    let pid = std::process::id();
    match &settings.recipe {
        Recipe::App {
            client_id,
            authority,
            credential,
            capabilities,
            instance_discovery,
        } => {
            let builder = ConfidentialClient::builder(
                client_id.clone(),
                authority.clone(),
                credential.clone(),
            )
            .client_capabilities(capabilities.clone())
            .instance_discovery(*instance_discovery)
            .http(settings.http.clone())
            .cache(cache);
            let client = builder.build().map_err(|e| auth_error(py, &e))?;
            Ok(Built {
                pid,
                source: Arc::new(client.clone()),
                confidential: Some(client),
            })
        }
        Recipe::ManagedIdentity(identity) => {
            let builder = ManagedIdentityClient::builder(identity.clone())
                .http(settings.http.clone())
                .cache(cache);
            let client = builder.build().map_err(|e| auth_error(py, &e))?;
            Ok(Built {
                pid,
                source: Arc::new(client),
                confidential: None,
            })
        }
        Recipe::Chain => {
            let builder = ChainedCredential::builder()
                .http(settings.http.clone())
                .cache(cache);
            let chain = builder.build().map_err(|e| auth_error(py, &e))?;
            Ok(Built {
                pid,
                source: Arc::new(chain),
                confidential: None,
            })
        }
    }
}

/// Unix seconds of `time` (0 before the epoch, which no token expires at).
fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn to_tuple(token: &AccessToken) -> TokenTuple {
    (
        token.secret().to_owned(),
        token.token_type().to_owned(),
        unix(token.expires_on()),
        token.refresh_on().map(unix),
        token.from_cache(),
    )
}

/// A token for `scopes` (with `claims`, a claims challenge, obtained anew).
async fn acquire(
    source: Arc<dyn TokenSource>,
    scopes: Vec<String>,
    claims: Option<String>,
) -> entrad_auth::Result<AccessToken> {
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    match claims {
        Some(claims) => source.acquire_token_with_claims(&scopes, &claims).await,
        None => source.acquire_token(&scopes).await,
    }
}

#[pymethods]
impl TokenClient {
    /// A token for `scopes`: `(token, token_type, expires_on, refresh_on, from_cache)`.
    /// With `claims` (a claims challenge, JSON), a new token satisfying it.
    #[pyo3(signature = (scopes, claims=None))]
    fn token(
        &self,
        py: Python<'_>,
        scopes: Vec<String>,
        claims: Option<String>,
    ) -> PyResult<TokenTuple> {
        logging::sync_level(py);
        let source = self.built(py)?.source;
        let result = runtime::wait(py, acquire(source, scopes, claims));
        logging::deliver(py);
        match result? {
            Ok(token) => Ok(to_tuple(&token)),
            Err(e) => Err(auth_error(py, &e)),
        }
    }

    /// As [`TokenClient::token`] for asyncio: the answer goes to `future`
    /// (created by `event_loop`) through `entrad._futures.settle`, on the
    /// loop's thread. The event loop is never blocked.
    #[pyo3(signature = (scopes, claims, event_loop, future))]
    fn token_into(
        &self,
        py: Python<'_>,
        scopes: Vec<String>,
        claims: Option<String>,
        event_loop: Py<PyAny>,
        future: Py<PyAny>,
    ) -> PyResult<()> {
        logging::sync_level(py);
        let source = self.built(py)?.source;
        let target = Arc::new((event_loop, future));
        let later = target.clone();
        let ready = runtime::start(py, acquire(source, scopes, claims), move |py, result| {
            settle(py, &later, result);
        })?;
        if let Some(result) = ready {
            settle(py, &target, result);
        }
        Ok(())
    }

    /// Drops the token cached for `scopes` (this process's copy and the store's).
    fn forget(&self, py: Python<'_>, scopes: Vec<String>) -> PyResult<()> {
        let source = self.built(py)?.source;
        let result = runtime::wait(py, async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            source.forget_token(&scopes).await
        });
        logging::deliver(py);
        result?.map_err(|e| auth_error(py, &e))
    }

    /// Tokens this process's source asked the service for (cache hits never count).
    #[getter]
    fn token_requests(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.built(py)?.source.token_requests())
    }

    /// What serves the tokens: "client secret", "managed identity (App Service, ...)".
    #[getter]
    fn source_name(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.built(py)?.source.source_name())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let built = self.built(py)?;
        Ok(format!(
            "<entrad TokenClient {}>",
            built.source.source_name()
        ))
    }
}

/// Hands `result` to the asyncio future of `target` (its loop, the future)
/// with `entrad._futures.settle`, which leaves a cancelled future alone.
fn settle(
    py: Python<'_>,
    target: &(Py<PyAny>, Py<PyAny>),
    result: entrad_auth::Result<AccessToken>,
) {
    let (event_loop, future) = target;
    let (failed, value) = match result {
        Ok(token) => (
            false,
            to_tuple(&token).into_pyobject(py).map(Bound::into_any),
        ),
        Err(e) => (
            true,
            Ok(auth_error(py, &e).into_value(py).into_bound(py).into_any()),
        ),
    };
    let handed = value.and_then(|value| {
        py.import("entrad._futures")?.getattr("settle")?.call1((
            event_loop.bind(py),
            future.bind(py),
            failed,
            value,
        ))
    });
    logging::deliver(py);
    // A loop already closed cannot take the answer: nobody is waiting for it.
    if let Err(e) = handed {
        e.write_unraisable(py, None);
    }
}

/// A duration from Python seconds, refusing what is not a positive finite number.
pub(crate) fn seconds(py: Python<'_>, name: &str, value: f64) -> PyResult<Duration> {
    if value.is_finite() && value > 0.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(config_error(
            py,
            format!("{name} must be a positive number of seconds"),
        ))
    }
}
