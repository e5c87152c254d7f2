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
use super::issue::issue;
use super::mi_state::{MiState, header_matches};
use crate::error::{Error, Result};

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !header_matches(&headers, "secret", &state.secrets.service_fabric) {
        return error(
            StatusCode::UNAUTHORIZED,
            "SecretHeaderNotFound",
            "Secret is not found in the request headers.",
        );
    }
    let resource = query
        .get("resource")
        .map(String::as_str)
        .unwrap_or_default();
    if resource.is_empty() || !query.contains_key("api-version") {
        return error(
            StatusCode::BAD_REQUEST,
            "ArgumentNullOrEmpty",
            "Value cannot be null. Parameter name: resource",
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
