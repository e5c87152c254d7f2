//! entrad's errors as Python exceptions.
//!
//! The classes are defined in `entrad/_errors.py` (a configuration error is
//! also a `ValueError`, a network error also a `ConnectionError`, which a
//! Rust-defined exception cannot say); this module picks the class for each
//! Rust error and fills in what it carries: the AADSTS code, the correlation
//! and trace ids, the one-line hint, Graph's code and request id. Messages
//! are the errors' one-line chains, which never hold secrets.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The Python module defining the exception classes.
const MODULE: &str = "entrad._errors";

/// A failure of the binding itself (a runtime that cannot start, a task that vanished).
pub(crate) fn internal_error(message: impl Into<String>) -> PyErr {
    PyRuntimeError::new_err(message.into())
}

/// An `entrad.ConfigurationError` (a `ValueError`) saying `message`.
pub(crate) fn config_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, "ConfigurationError", message.into(), None)
}

/// The exception for an entrad-auth error.
pub(crate) fn auth_error(py: Python<'_>, error: &entrad_auth::Error) -> PyErr {
    use entrad_auth::ErrorKind;
    let class = match error.kind() {
        ErrorKind::Config => "ConfigurationError",
        ErrorKind::Authentication => "AuthenticationError",
        ErrorKind::Unavailable => "NetworkError",
        _ => "EntradError",
    };
    let fields = PyDict::new(py);
    let filled = (|| -> PyResult<()> {
        if let Some(service) = error.service_error() {
            fields.set_item("status", service.status)?;
            fields.set_item("error", &service.error)?;
            fields.set_item("error_description", &service.error_description)?;
            fields.set_item("error_codes", service.error_codes.clone())?;
            fields.set_item("aadsts_code", service.aadsts_code())?;
            fields.set_item("correlation_id", &service.correlation_id)?;
            fields.set_item("trace_id", &service.trace_id)?;
            fields.set_item("hint", service.hint())?;
        }
        fields.set_item("client_request_id", error.client_request_id())?;
        Ok(())
    })();
    if let Err(e) = filled {
        return e;
    }
    raise(py, class, chain(error), Some(fields))
}

/// The exception for an entrad-graph error.
pub(crate) fn graph_error(py: Python<'_>, error: &entrad_graph::Error) -> PyErr {
    use entrad_graph::{Error, ErrorKind};
    if let Error::Auth(auth) = error {
        return auth_error(py, auth);
    }
    let refusal = match error {
        Error::Graph(refused)
        | Error::ClaimsChallengeRepeated { refused }
        | Error::Exhausted { last: refused, .. } => Some(refused),
        _ => None,
    };
    // Graph's own refusal (a 404 is a "configuration" kind for the CLI's exit
    // code) is a GraphError with Graph's code; one that stayed busy is a network error.
    let class = match (error, error.kind()) {
        (Error::Exhausted { .. }, _) | (_, ErrorKind::Unavailable) => "NetworkError",
        _ if refusal.is_some() => "GraphError",
        (_, ErrorKind::Config) => "ConfigurationError",
        (_, ErrorKind::Authentication) => "AuthenticationError",
        (_, ErrorKind::Permission) => "GraphError",
        _ => "EntradError",
    };
    let fields = PyDict::new(py);
    if let Some(refused) = refusal {
        let filled = (|| -> PyResult<()> {
            fields.set_item("status", refused.status)?;
            fields.set_item("code", &refused.code)?;
            fields.set_item("request_id", &refused.request_id)?;
            fields.set_item("client_request_id", &refused.client_request_id)?;
            Ok(())
        })();
        if let Err(e) = filled {
            return e;
        }
    }
    raise(py, class, chain(error), Some(fields))
}

/// An instance of `entrad._errors.<class>(message, **fields)` as a `PyErr`.
fn raise(py: Python<'_>, class: &str, message: String, fields: Option<Bound<'_, PyDict>>) -> PyErr {
    let made = py
        .import(MODULE)
        .and_then(|module| module.getattr(class))
        .and_then(|class| class.call((message,), fields.as_ref()));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// `error: cause: cause`, one line: each error's `Display` says only its own
/// part (the libraries' rule), so the causes are added here.
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line.replace(['\n', '\r'], " ")
}
