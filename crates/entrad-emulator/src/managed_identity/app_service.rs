//! App Service (also Functions, Container Apps):
//! `GET /msi/token?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`.
//! Errors in App Service's `{"statusCode","message"}` shape.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::identities::{Selectors, select};
use super::issue::issue;
use super::mi_state::{MiState, header_matches};

/// App Service names the resource id `mi_res_id`.
const SELECTORS: Selectors = Selectors {
    client_id: "client_id",
    resource_id: "mi_res_id",
    object_id: "object_id",
};

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !header_matches(&headers, "x-identity-header", &state.secrets.app_service) {
        return error(
            StatusCode::UNAUTHORIZED,
            "The X-IDENTITY-HEADER is missing or wrong.",
        );
    }
    if query.get("api-version").map(String::as_str) != Some("2019-08-01") {
        return error(
            StatusCode::BAD_REQUEST,
            "api-version 2019-08-01 is required.",
        );
    }
    let resource = query
        .get("resource")
        .map(String::as_str)
        .unwrap_or_default();
    if resource.is_empty() {
        return error(StatusCode::BAD_REQUEST, "resource is required.");
    }
    let Some((identity, _)) = select(&query, &SELECTORS) else {
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
