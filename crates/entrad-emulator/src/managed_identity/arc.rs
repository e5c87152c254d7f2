//! Azure Arc: `GET /arc/metadata/identity/oauth2/token?api-version=2020-06-01&resource=…`
//! with `Metadata: true`. Without `Authorization` it writes a fresh key
//! file into its key directory (`--arc-key-dir`, by default in the state
//! directory) and answers 401
//! `WWW-Authenticate: Basic realm=<that file>`; with `Authorization: Basic
//! <the key>` it answers the token, echoing a user-assigned selector.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::identities::{IMDS_SELECTORS, select};
use super::imds::{MetadataCase, check_metadata_request};
use super::issue::{issue, oauth_error};
use super::mi_state::MiState;

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = check_metadata_request(&headers, &query, MetadataCase::Any) {
        return refused;
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(str::trim);
    let Some(presented) = presented else {
        return challenge(&state);
    };
    if !state.arc_keys.accepts(presented) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The key in the Authorization header is not one this agent issued.",
        );
    }
    let Some((identity, echo)) = select(&query, IMDS_SELECTORS) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Identity not found",
        );
    };
    let resource = query
        .get("resource")
        .map(String::as_str)
        .unwrap_or_default();
    match issue(&state, identity, resource) {
        Ok(issued) => {
            let mut body = json!({
                "access_token": issued.access_token,
                "expires_in": issued.expires_in,
                "expires_on": issued.expires_on.to_string(),
                "not_before": issued.not_before.to_string(),
                "resource": resource,
                "token_type": "Bearer",
            });
            if let Some((name, value)) = echo {
                body[name] = value.into();
            }
            Json(body).into_response()
        }
        Err(refusal) => refusal.oauth(),
    }
}

/// A new key file, and the 401 that names it.
fn challenge(state: &MiState) -> Response {
    let file = match state.arc_keys.issue() {
        Ok(file) => file,
        Err(e) => {
            tracing::error!("cannot write the Arc key file: {e}");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The key file could not be written.",
            );
        }
    };
    let realm = format!("Basic realm={}", file.display());
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "unauthorized", "error_description": "Use the key in the file the challenge names." })),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&realm) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
