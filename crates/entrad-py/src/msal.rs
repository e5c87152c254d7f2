//! `entrad._entrad.MsalClient`: the native base class of
//! `entrad.msal.ConfidentialClientApplication`, holding MSAL's token methods.
//!
//! A cache hit through `acquire_token_for_client` is MSAL's result dict made
//! by one native call: the argument checks MSAL makes (its assertion on the
//! scopes' type, its refusal of `force_refresh`) and the service's refusal as
//! MSAL's error dict are made here too, so no Python frame of entrad's runs
//! (the Python method it replaced cost a third of a hit). The Python class
//! keeps the constructor, which turns MSAL's arguments into a [`TokenClient`]
//! and hands it over as `_tokens`.

use std::sync::OnceLock;

use pyo3::exceptions::{
    PyAssertionError, PyAttributeError, PyNotImplementedError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::source::TokenClient;

/// MSAL's message when `scopes` is not a list (an `assert` in MSAL).
const NOT_A_LIST: &str = "Invalid parameter type";
/// MSAL's message for `force_refresh=True`, which it refuses for this flow.
const NO_FORCE_REFRESH: &str =
    "Historically, this method does not support force_refresh behavior. ";

/// MSAL's token methods for the client credentials flow, over a [`TokenClient`].
#[pyclass(module = "entrad._entrad", subclass, frozen)]
pub(crate) struct MsalClient {
    /// Set once, by the Python subclass's constructor.
    tokens: OnceLock<Py<TokenClient>>,
}

impl MsalClient {
    /// The token source, once the constructor set it.
    fn tokens(&self) -> PyResult<&TokenClient> {
        match self.tokens.get() {
            Some(tokens) => Ok(tokens.get()),
            None => Err(PyRuntimeError::new_err(
                "the application was not constructed: call ConfidentialClientApplication(...)",
            )),
        }
    }
}

/// `acquire_token_for_client`'s other keywords: MSAL's answer to
/// `force_refresh`, and a refusal of what entrad does not do (None is
/// MSAL's default of each, so it is accepted).
fn check_options(options: &Bound<'_, PyDict>) -> PyResult<()> {
    if let Some(force) = options.get_item("force_refresh")?
        && force.is_truthy()?
    {
        return Err(PyValueError::new_err(NO_FORCE_REFRESH));
    }
    for (name, value) in options.iter() {
        if !value.is_none() && name.ne("force_refresh")? {
            return Err(PyNotImplementedError::new_err(format!(
                "{name} is not supported by entrad.msal"
            )));
        }
    }
    Ok(())
}

#[pymethods]
impl MsalClient {
    /// Takes any arguments: the Python subclass's `__init__` reads them.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        MsalClient {
            tokens: OnceLock::new(),
        }
    }

    /// The token source (set once, by the constructor).
    #[getter(_tokens)]
    fn get_tokens(&self, py: Python<'_>) -> PyResult<Py<TokenClient>> {
        match self.tokens.get() {
            Some(tokens) => Ok(tokens.clone_ref(py)),
            None => Err(PyAttributeError::new_err("_tokens")),
        }
    }

    #[setter(_tokens)]
    fn set_tokens(&self, tokens: Py<TokenClient>) -> PyResult<()> {
        self.tokens
            .set(tokens)
            .map_err(|_| PyAttributeError::new_err("_tokens is set once, by the constructor"))
    }

    /// A token for the app itself: from the cache when one is valid, else
    /// from the token service. With `claims_challenge` (a resource's claims
    /// challenge, JSON) a new token is requested.
    ///
    /// Returns MSAL's dict: ``access_token``, ``token_type``, ``expires_in``,
    /// ``token_source`` ("identity_provider" or "cache"), ``refresh_on`` when
    /// known; or, when the service refuses, ``error``, ``error_description``,
    /// ``error_codes``, ``correlation_id``, ``trace_id``. A network failure raises
    /// ``entrad.NetworkError`` (a ConnectionError).
    #[pyo3(signature = (scopes, claims_challenge=None, **kwargs))]
    fn acquire_token_for_client<'py>(
        &self,
        py: Python<'py>,
        scopes: &Bound<'py, PyAny>,
        claims_challenge: Option<String>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        if let Some(options) = kwargs {
            check_options(options)?;
        }
        let Ok(scopes) = scopes.cast::<PyList>() else {
            return Err(PyAssertionError::new_err(NOT_A_LIST));
        };
        let scopes: Vec<String> = scopes.extract()?;
        self.tokens()?.msal_result(py, scopes, claims_challenge)
    }

    /// MSAL's: ``None`` for ``account=None`` (MSAL 1.23+ looks up app tokens
    /// in acquire_token_for_client, which entrad's serves from its cache).
    #[pyo3(signature = (scopes, account, **kwargs))]
    fn acquire_token_silent(
        &self,
        scopes: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Option<Py<PyDict>>> {
        let _ = (scopes, kwargs);
        if !account.is_truthy()? {
            return Ok(None);
        }
        Err(PyNotImplementedError::new_err(
            "user accounts are not supported: entrad.msal serves the client credentials flow",
        ))
    }

    /// MSAL's: ``None`` for ``account=None``, as acquire_token_silent.
    #[pyo3(signature = (scopes, account, **kwargs))]
    fn acquire_token_silent_with_error(
        &self,
        scopes: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Option<Py<PyDict>>> {
        self.acquire_token_silent(scopes, account, kwargs)
    }

    /// Removes the tokens this app obtained with acquire_token_for_client,
    /// from this process and from the shared store.
    fn remove_tokens_for_client(&self, py: Python<'_>) -> PyResult<()> {
        self.tokens()?.forget_served(py)
    }
}
