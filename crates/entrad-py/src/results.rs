//! A token in the shapes Python callers take it: entrad's tuple, azure-core's
//! `AccessToken` (a NamedTuple) and MSAL's result dict, built here so that a
//! cache hit crosses into Python once, with no Python code of entrad's own.
//!
//! The bearer value becomes a Python string once per token: a cache hit hands
//! out the string made for the previous call (copying and checking a token
//! of a kilobyte or two cost more than the rest of a hit's Rust side).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use entrad_auth::AccessToken;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

/// MSAL's `token_source` of a token from the token service.
const IDENTITY_PROVIDER: &str = "identity_provider";
/// MSAL's `token_source` of a token from the cache.
const CACHE: &str = "cache";

/// `tuple.__new__`, which makes a NamedTuple's instance without running Python code.
static TUPLE_NEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python string of the last token handed out, and that token.
#[derive(Default)]
pub(crate) struct BearerText(Mutex<Option<(AccessToken, Py<PyString>)>>);

impl BearerText {
    /// `token`'s bearer value as a Python string: the one made last time when
    /// `token` shares the last token's value.
    fn of<'py>(&self, py: Python<'py>, token: &AccessToken) -> Bound<'py, PyString> {
        {
            let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((last, text)) = slot.as_ref()
                && same_value(last, token)
            {
                return text.bind(py).clone();
            }
        }
        let text = PyString::new(py, token.secret());
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((token.clone(), text.clone().unbind()));
        text
    }
}

/// Whether `a` and `b` are copies of one token: the same value in memory.
/// `a` is kept alive with the string made from it, so its value's memory
/// cannot hold another token's value meanwhile.
fn same_value(a: &AccessToken, b: &AccessToken) -> bool {
    std::ptr::eq(a.secret(), b.secret())
}

/// Unix seconds of `time` (0 before the epoch, which no token expires at).
fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `(token, token_type, expires_on, refresh_on, from_cache)`, times in Unix seconds.
pub(crate) fn tuple<'py>(
    py: Python<'py>,
    text: &BearerText,
    token: &AccessToken,
) -> PyResult<Bound<'py, PyTuple>> {
    (
        text.of(py, token),
        token.token_type(),
        unix(token.expires_on()),
        token.refresh_on().map(unix),
        token.from_cache(),
    )
        .into_pyobject(py)
}

/// An instance of `class`, a NamedTuple of `(token, expires_on)` such as
/// azure-core's `AccessToken`, made as its `_make` makes one.
pub(crate) fn named_tuple<'py>(
    py: Python<'py>,
    class: &Bound<'py, PyType>,
    text: &BearerText,
    token: &AccessToken,
) -> PyResult<Bound<'py, PyAny>> {
    let new = TUPLE_NEW.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.get_type::<PyTuple>().getattr("__new__")?.unbind())
    })?;
    new.bind(py)
        .call1((class, (text.of(py, token), unix(token.expires_on()))))
}

/// MSAL's result dict: `access_token`, `token_type`, `expires_in`,
/// `token_source` ("identity_provider" or "cache"), and `refresh_on` when known.
pub(crate) fn msal_result<'py>(
    py: Python<'py>,
    text: &BearerText,
    token: &AccessToken,
) -> PyResult<Bound<'py, PyDict>> {
    let result = PyDict::new(py);
    result.set_item(intern!(py, "access_token"), text.of(py, token))?;
    result.set_item(intern!(py, "token_type"), token.token_type())?;
    let expires_in = token
        .expires_on()
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    result.set_item(intern!(py, "expires_in"), expires_in)?;
    let source = if token.from_cache() {
        intern!(py, CACHE)
    } else {
        intern!(py, IDENTITY_PROVIDER)
    };
    result.set_item(intern!(py, "token_source"), source)?;
    if let Some(refresh_on) = token.refresh_on() {
        result.set_item(intern!(py, "refresh_on"), unix(refresh_on))?;
    }
    Ok(result)
}

/// MSAL's dict for a refusal by the token service: `error`,
/// `error_description`, `error_codes`, and `trace_id` and `correlation_id`
/// when the service sent them. `None` when `error` is not the service's
/// refusal (MSAL raises for those too).
pub(crate) fn msal_refusal<'py>(
    py: Python<'py>,
    error: &entrad_auth::Error,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(service) = error.service_error().filter(|s| !s.error.is_empty()) else {
        return Ok(None);
    };
    let result = PyDict::new(py);
    result.set_item(intern!(py, "error"), &service.error)?;
    result.set_item(intern!(py, "error_description"), &service.error_description)?;
    result.set_item(intern!(py, "error_codes"), service.error_codes.clone())?;
    if let Some(trace_id) = &service.trace_id {
        result.set_item(intern!(py, "trace_id"), trace_id)?;
    }
    if let Some(correlation_id) = &service.correlation_id {
        result.set_item(intern!(py, "correlation_id"), correlation_id)?;
    }
    Ok(Some(result))
}
