//! `POST /_emulator/federated-token`: a token of the emulator's OIDC issuer, what a
//! Kubernetes cluster writes into a pod's projected service-account token file.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::{admin_error, json_body, override_claims};
use crate::base_url::Origin;
use crate::keys::SigningKey;
use crate::state::{TOKEN_EXCHANGE_AUDIENCE, WORKLOAD_SUBJECT};
use crate::token::mint;

/// A cluster's projected tokens live an hour by default.
const DEFAULT_LIFETIME_SECS: i64 = 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FederatedTokenRequest {
    subject: Option<String>,
    audience: Option<String>,
    lifetime_secs: Option<i64>,
    /// Claims to set (or, with null, to remove) on top of the usual ones: a foreign
    /// `iss`, an expired `exp`, ...
    #[serde(default)]
    claims: serde_json::Map<String, serde_json::Value>,
}

pub(crate) async fn token(
    State(origin): State<Arc<Origin>>,
    State(signing): State<Arc<SigningKey>>,
    body: Bytes,
) -> Response {
    let request: FederatedTokenRequest = match json_body(&body) {
        Ok(request) => request,
        Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
    };
    let lifetime = request.lifetime_secs.unwrap_or(DEFAULT_LIFETIME_SECS);
    if lifetime <= 0 {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "lifetime_secs must be positive (set claims.exp for an expired token)",
        );
    }
    let mut claims = crate::oidc::claims(
        &crate::oidc::issuer(&origin.base_url),
        request.subject.as_deref().unwrap_or(WORKLOAD_SUBJECT),
        request
            .audience
            .as_deref()
            .unwrap_or(TOKEN_EXCHANGE_AUDIENCE),
        lifetime,
    );
    override_claims(&mut claims, request.claims);
    match mint::sign(&signing, &claims) {
        Some(token) => {
            axum::Json(serde_json::json!({ "token": token, "claims": claims })).into_response()
        }
        None => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "cannot sign"),
    }
}
