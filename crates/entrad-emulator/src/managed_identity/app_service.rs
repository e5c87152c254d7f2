//! App Service (also Functions, Container Apps):
//! `GET /msi/token?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`,
//! and at most one of `client_id`, `principal_id` (alias `object_id`) and
//! `mi_res_id`. Errors in App Service's `{"statusCode","message"}` shape, but
//! an api-version other than 2019-08-01 (the older 2017-09-01 form too) gets
//! the `UnsupportedApiVersion` answer App Service's ASP.NET versioning gives.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::identities::{IdKind, Selectors, given, select};
use super::issue::issue;
use super::mi_state::{MiState, header_matches};

/// The one version App Service's current page documents ("Use 2019-08-01").
const API_VERSION: &str = "2019-08-01";

/// App Service names the resource id `mi_res_id`, and the object id either
/// `principal_id` or its alias `object_id`.
const SELECTORS: &Selectors = &[
    ("client_id", IdKind::Client),
    ("principal_id", IdKind::Object),
    ("object_id", IdKind::Object),
    ("mi_res_id", IdKind::Resource),
];

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // The version is checked first: a 2017-09-01 caller sends `secret`, not
    // X-IDENTITY-HEADER, and should learn that its version is the problem.
    match query.get("api-version").map(String::as_str) {
        Some(API_VERSION) => {}
        Some(version) => return unsupported_version(&headers, &uri, version),
        None => return unspecified_version(),
    }
    if !header_matches(&headers, "x-identity-header", &state.secrets.app_service) {
        return error(
            StatusCode::UNAUTHORIZED,
            "The X-IDENTITY-HEADER is missing or wrong.",
        );
    }
    // Each selector "cannot be used on a request that includes" another one.
    if let [first, second, ..] = given(&query, SELECTORS)[..] {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("{first} cannot be used on a request that includes {second}."),
        );
    }
    let resource = query
        .get("resource")
        .map(String::as_str)
        .unwrap_or_default();
    if resource.is_empty() {
        return error(StatusCode::BAD_REQUEST, "resource is required.");
    }
    let Some((identity, _)) = select(&query, SELECTORS) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Unable to load the proper Managed Identity.",
        );
    };
    match issue(&state, identity, resource) {
        Ok(issued) => Json(json!({
            "access_token": issued.access_token,
            "expires_on": issued.expires_on.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        }))
        .into_response(),
        Err(refusal) => error(refusal.status(), &refusal.message()),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "statusCode": status.as_u16(), "message": message })),
    )
        .into_response()
}

/// ASP.NET API versioning's answer, as App Service gave it for a version it
/// did not serve (quoted in azure-sdk-for-net#16278): the request's URI, the
/// version, `innerError` null.
fn unsupported_version(headers: &HeaderMap, uri: &Uri, version: &str) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    versioning_error(
        "UnsupportedApiVersion",
        &format!(
            "The HTTP resource that matches the request URI 'http://{host}{uri}' does not support the API version '{version}'."
        ),
    )
}

/// ASP.NET API versioning's answer to a request without `api-version`.
fn unspecified_version() -> Response {
    versioning_error(
        "ApiVersionUnspecified",
        "An API version is required, but was not specified.",
    )
}

fn versioning_error(code: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": { "code": code, "message": message, "innerError": null } })),
    )
        .into_response()
}
