//! IMDS: `GET /metadata/identity/oauth2/token?api-version=…&resource=…`
//! with `Metadata: true`; refuses requests carrying `X-Forwarded-For` (IMDS
//! serves the host, never a proxied caller).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::identities::{IMDS_SELECTORS, select};
use super::issue::{issue, oauth_error};
use super::mi_state::MiState;

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = check_metadata_request(&headers, &query, MetadataCase::Exact) {
        return refused;
    }
    let Some((identity, _)) = select(&query, IMDS_SELECTORS) else {
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
        Ok(issued) => Json(json!({
            "access_token": issued.access_token,
            "client_id": identity.client_id,
            "expires_in": issued.expires_in.to_string(),
            "expires_on": issued.expires_on.to_string(),
            "ext_expires_in": issued.expires_in.to_string(),
            "not_before": issued.not_before.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }))
        .into_response(),
        Err(refusal) => refusal.oauth(),
    }
}

/// How the `Metadata` header's value is compared.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetadataCase {
    /// IMDS: "The value must be specified as true, in all lower case."
    Exact,
    /// Azure Arc: its page's PowerShell sample sends `Metadata='True'`.
    Any,
}

/// IMDS's (and Azure Arc's) checks before anything else: the `Metadata`
/// header, no `X-Forwarded-For`, `api-version` and `resource` given.
pub(crate) fn check_metadata_request(
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    case: MetadataCase,
) -> Option<Response> {
    let bad = |error: &str, description: &str| {
        Some(oauth_error(StatusCode::BAD_REQUEST, error, description))
    };
    if headers.contains_key("x-forwarded-for") {
        return bad(
            "invalid_request",
            "Request is not allowed: it contains an X-Forwarded-For header",
        );
    }
    let metadata = headers.get("metadata").and_then(|v| v.to_str().ok());
    let metadata_ok = metadata.is_some_and(|v| match case {
        MetadataCase::Exact => v == "true",
        MetadataCase::Any => v.eq_ignore_ascii_case("true"),
    });
    if !metadata_ok {
        // The error code of the VM token page's HTTP response reference.
        return bad("bad_request_102", "Required metadata header not specified");
    }
    if !query.contains_key("api-version") {
        return bad(
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    if query.get("resource").is_none_or(|r| r.is_empty()) {
        return bad(
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    }
    None
}
