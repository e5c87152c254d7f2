//! Service Fabric: `GET /metadata/identity/oauth2/token?api-version=2019-07-01-preview&resource=…`
//! with the `Secret` header, served over TLS with a self-signed certificate
//! whose SHA-1 thumbprint clients pin. The cluster decides the identity
//! (the system-assigned one here).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rcgen::{CertificateParams, KeyPair};
use serde_json::json;
use sha1::{Digest, Sha1};

use super::identities::SYSTEM_ASSIGNED;
use super::issue::{Refusal, issue};
use super::mi_state::{MiState, header_matches};
use crate::error::{Error, Result};

/// The one version the page accepts ("currently the only accepted value").
const API_VERSION: &str = "2019-07-01-preview";

/// Checked in the order of the page's error table: the `Secret` header, then
/// whether it is this host's, the api-version, the resource. The page gives a
/// status only for 404 (an unknown code) and 5xx; the other refusals are 400
/// (its "4xx Error in request").
pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !headers.contains_key("secret") {
        return error(
            StatusCode::UNAUTHORIZED,
            "SecretHeaderNotFound",
            "Secret is not found in the request headers.",
        );
    }
    if !header_matches(&headers, "secret", &state.secrets.service_fabric) {
        return error(
            StatusCode::NOT_FOUND,
            "ManagedIdentityNotFound",
            "Managed identity not found for the specified application host.",
        );
    }
    let version = query
        .get("api-version")
        .map(String::as_str)
        .unwrap_or_default();
    if version != API_VERSION {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersion",
            &format!(
                "The api-version '{version}' is not supported. Supported version is '{API_VERSION}'."
            ),
        );
    }
    let resource = query
        .get("resource")
        .map(String::as_str)
        .unwrap_or_default();
    if resource.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "ArgumentNullOrEmpty",
            "The parameter 'resource' should not be null or empty string.",
        );
    }
    match issue(&state, SYSTEM_ASSIGNED, resource) {
        Ok(issued) => Json(json!({
            "token_type": "Bearer",
            "access_token": issued.access_token,
            "expires_on": issued.expires_on,
            "resource": resource,
        }))
        .into_response(),
        // The page: "Most likely cause is an incorrect value specified for the
        // resource", under InternalServerError in its 5xx row.
        Err(Refusal::UnknownResource(_)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An error occurred.",
        ),
        Err(refusal) => error(
            refusal.status(),
            "ManagedIdentityNotFound",
            &refusal.message(),
        ),
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message, "correlationId": uuid::Uuid::new_v4().to_string() } })),
    )
        .into_response()
}

/// A fresh self-signed certificate for the endpoint: its TLS configuration
/// and its SHA-1 thumbprint (upper-case hex, as Service Fabric gives it).
pub(crate) fn tls() -> Result<(Arc<rustls::ServerConfig>, String)> {
    let key = KeyPair::generate()
        .map_err(|e| Error::crypto("cannot generate the Service Fabric key", e))?;
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .map_err(|e| Error::crypto("cannot make the Service Fabric certificate", e))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::crypto("cannot sign the Service Fabric certificate", e))?;
    let thumbprint: String = Sha1::digest(cert.der())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let config = crate::tls::single_certificate(cert.der(), &key, &[b"http/1.1"])?;
    Ok((config, thumbprint))
}
