//! Azure Machine Learning: `GET /ml/token?api-version=2017-09-01&resource=…[&clientid=…]`
//! with the `secret` header.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::identities::{IdKind, Selectors, select};
use super::issue::{issue, oauth_error};
use super::mi_state::{MiState, header_matches};

/// The 2017 API spells the client id `clientid`.
const SELECTORS: &Selectors = &[
    ("clientid", IdKind::Client),
    ("msi_res_id", IdKind::Resource),
    ("object_id", IdKind::Object),
];

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !header_matches(&headers, "secret", &state.secrets.machine_learning) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "The secret header is missing or wrong.",
        );
    }
    let resource = query
        .get("resource")
        .map(String::as_str)
        .unwrap_or_default();
    if query.get("api-version").map(String::as_str) != Some("2017-09-01") || resource.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "api-version 2017-09-01 and resource are required.",
        );
    }
    let Some((identity, _)) = select(&query, SELECTORS) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Identity not found",
        );
    };
    match issue(&state, identity, resource) {
        Ok(issued) => Json(json!({
            "access_token": issued.access_token,
            "expires_on": issued.expires_on.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "clientid": identity.client_id,
        }))
        .into_response(),
        Err(refusal) => refusal.oauth(),
    }
}
