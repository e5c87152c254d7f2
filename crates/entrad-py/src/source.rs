//! `entrad._entrad.TokenClient`: one token source (the app's credential, a
//! managed identity or the chain) as Python sees it, rebuilt in each process.
//!
//! The recipe (authority, credential, options) is kept; the client built from
//! it holds HTTP connections and cache handles that belong to the process's
//! runtime, so a forked child builds its own from the same recipe.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use entrad_auth::{
    AccessToken, Authority, CacheSpec, ChainedCredential, ConfidentialClient, Credential,
    HttpOptions, ManagedIdentity, ManagedIdentityClient, TokenSource,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::errors::{auth_error, config_error};
use crate::logging;
use crate::results::{self, BearerText};
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
    /// The process's runtime, which the source's connections belong to.
    pub(crate) runtime: Arc<tokio::runtime::Runtime>,
    pub(crate) source: Arc<dyn TokenSource>,
    /// The same source when it is a confidential client (Graph borrows its HTTP client).
    pub(crate) confidential: Option<ConfidentialClient>,
}

/// A source of access tokens (the native half of `entrad.Credential` and
/// `entrad.msal.ConfidentialClientApplication`).
#[pyclass(module = "entrad._entrad", frozen)]
pub(crate) struct TokenClient {
    pub(crate) settings: Settings,
    built: Mutex<Option<Built>>,
    /// The last token handed out, as a Python string.
    text: Arc<BearerText>,
    /// The scope sets [`TokenClient::msal_result`] served, which
    /// `remove_tokens_for_client` forgets (kept here, off the hit's Python path).
    served: Mutex<Vec<Vec<String>>>,
}

impl TokenClient {
    /// Checks `settings` by building the source once, in this process.
    pub(crate) fn new(py: Python<'_>, settings: Settings) -> PyResult<TokenClient> {
        let built = build(py, &settings)?;
        Ok(TokenClient {
            settings,
            built: Mutex::new(Some(built)),
            text: Arc::default(),
            served: Mutex::default(),
        })
    }

    /// This process's source (built again after a fork). Called attached to
    /// the interpreter, so no other thread holds the lock across a fork.
    pub(crate) fn built(&self, py: Python<'_>) -> PyResult<Built> {
        self.with_built(py, Built::clone)
    }

    /// `read` of this process's source (built again after a fork), under its lock.
    fn with_built<R>(&self, py: Python<'_>, read: impl FnOnce(&Built) -> R) -> PyResult<R> {
        let mut slot = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(built) = slot.as_ref()
            && built.pid == runtime::process_id()
        {
            return Ok(read(built));
        }
        let built = build(py, &self.settings)?;
        let value = read(&built);
        *slot = Some(built);
        Ok(value)
    }

    /// This process's runtime and source: what a token call needs, no more copied.
    fn source(
        &self,
        py: Python<'_>,
    ) -> PyResult<(Arc<tokio::runtime::Runtime>, Arc<dyn TokenSource>)> {
        self.with_built(py, |built| (built.runtime.clone(), built.source.clone()))
    }

    /// A token for `scopes` (with `claims`, a claims challenge, a new one),
    /// waited for with the GIL released; entrad's events handed to logging.
    fn acquire_now(
        &self,
        py: Python<'_>,
        scopes: Vec<String>,
        claims: Option<String>,
    ) -> PyResult<AccessToken> {
        self.attempt(py, scopes, claims)?
            .map_err(|e| auth_error(py, &e))
    }

    /// As [`TokenClient::acquire_now`], with entrad-auth's error as it is
    /// (the outer error: the wait was interrupted).
    fn attempt(
        &self,
        py: Python<'_>,
        scopes: Vec<String>,
        claims: Option<String>,
    ) -> PyResult<entrad_auth::Result<AccessToken>> {
        logging::sync_level(py);
        let (runtime, source) = self.source(py)?;
        let result = runtime::wait_on(py, &runtime, acquire(source, scopes, claims));
        logging::deliver(py);
        result
    }

    /// As [`TokenClient::token`], as MSAL's result dict (`access_token`,
    /// `token_type`, `expires_in`, `token_source`, `refresh_on`), or, when the
    /// service refused, MSAL's error dict; the scope set is kept for
    /// [`TokenClient::forget_served`].
    pub(crate) fn msal_result<'py>(
        &self,
        py: Python<'py>,
        scopes: Vec<String>,
        claims: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let new = {
            let served = self.served.lock().unwrap_or_else(|e| e.into_inner());
            (!served.contains(&scopes)).then(|| scopes.clone())
        };
        let token = match self.attempt(py, scopes, claims)? {
            Ok(token) => token,
            Err(e) => {
                return match results::msal_refusal(py, &e)? {
                    Some(refusal) => Ok(refusal),
                    None => Err(auth_error(py, &e)),
                };
            }
        };
        if let Some(scopes) = new {
            let mut served = self.served.lock().unwrap_or_else(|e| e.into_inner());
            if !served.contains(&scopes) {
                served.push(scopes);
            }
        }
        results::msal_result(py, &self.text, &token)
    }

    /// Forgets the tokens of every scope set [`TokenClient::msal_result`] served.
    pub(crate) fn forget_served(&self, py: Python<'_>) -> PyResult<()> {
        let served = std::mem::take(&mut *self.served.lock().unwrap_or_else(|e| e.into_inner()));
        for scopes in served {
            self.forget(py, scopes)?;
        }
        Ok(())
    }
}

/// Builds the source of `settings` inside this process's runtime (the Redis
/// cache's connection belongs to it).
fn build(py: Python<'_>, settings: &Settings) -> PyResult<Built> {
    let runtime = runtime::runtime(py)?;
    let _context = runtime.enter();
    let cache = settings.cache.build().map_err(|e| auth_error(py, &e))?;
    let in_process = runtime.clone();
    let pid = runtime::process_id();
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
                runtime: in_process,
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
                runtime: in_process,
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
                runtime: in_process,
                source: Arc::new(chain),
                confidential: None,
            })
        }
    }
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
    /// A token for `scopes`: `(token, token_type, expires_on, refresh_on, from_cache)`,
    /// times in Unix seconds. With `claims` (a claims challenge, JSON), a new
    /// token satisfying it.
    #[pyo3(signature = (scopes, claims=None))]
    fn token<'py>(
        &self,
        py: Python<'py>,
        scopes: Vec<String>,
        claims: Option<String>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let token = self.acquire_now(py, scopes, claims)?;
        results::tuple(py, &self.text, &token)
    }

    /// As [`TokenClient::token`], as an instance of `class`: a NamedTuple of
    /// `(token, expires_on)` (azure-core's `AccessToken`). `scopes` must not be empty.
    fn access_token<'py>(
        &self,
        py: Python<'py>,
        scopes: Vec<String>,
        claims: Option<String>,
        class: &Bound<'py, PyType>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if scopes.is_empty() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "get_token needs at least one scope, e.g. 'https://graph.microsoft.com/.default'",
            ));
        }
        let token = self.acquire_now(py, scopes, claims)?;
        results::named_tuple(py, class, &self.text, &token)
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
        let (runtime, source) = self.source(py)?;
        let target = Arc::new((event_loop, future));
        let later = target.clone();
        let text = self.text.clone();
        let ready = runtime::start_on(
            &runtime,
            acquire(source, scopes, claims),
            move |py, result| {
                settle(py, &later, &text, result);
            },
        );
        if let Some(result) = ready {
            settle(py, &target, &self.text, result);
        }
        Ok(())
    }

    /// Drops the token cached for `scopes` (this process's copy and the store's).
    fn forget(&self, py: Python<'_>, scopes: Vec<String>) -> PyResult<()> {
        let (runtime, source) = self.source(py)?;
        let result = runtime::wait_on(py, &runtime, async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            source.forget_token(&scopes).await
        });
        logging::deliver(py);
        result?.map_err(|e| auth_error(py, &e))
    }

    /// Tokens this process's source asked the service for (cache hits never count).
    #[getter]
    fn token_requests(&self, py: Python<'_>) -> PyResult<u64> {
        self.with_built(py, |built| built.source.token_requests())
    }

    /// What serves the tokens: "client secret", "managed identity (App Service, ...)".
    #[getter]
    fn source_name(&self, py: Python<'_>) -> PyResult<String> {
        self.with_built(py, |built| built.source.source_name())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.with_built(py, |built| {
            format!("<entrad TokenClient {}>", built.source.source_name())
        })
    }
}

/// Hands `result` to the asyncio future of `target` (its loop, the future)
/// with `entrad._futures.settle`, which leaves a cancelled future alone.
fn settle(
    py: Python<'_>,
    target: &(Py<PyAny>, Py<PyAny>),
    text: &BearerText,
    result: entrad_auth::Result<AccessToken>,
) {
    let (event_loop, future) = target;
    let (failed, value) = match result {
        Ok(token) => (false, results::tuple(py, text, &token).map(Bound::into_any)),
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
