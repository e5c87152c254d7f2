//! Azure Cloud Shell: `POST /cloudshell/token` with the form `resource=…`
//! and `Metadata: true`; the shell's own (system-assigned) identity.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;

use super::identities::SYSTEM_ASSIGNED;
use super::issue::{issue, oauth_error};
use super::mi_state::MiState;

#[derive(Deserialize)]
pub(crate) struct CloudShellForm {
    #[serde(default)]
    resource: String,
}

pub(crate) async fn token(
    State(state): State<Arc<MiState>>,
    headers: HeaderMap,
    Form(form): Form<CloudShellForm>,
) -> Response {
    if headers.get("metadata").and_then(|v| v.to_str().ok()) != Some("true") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required metadata header not specified",
        );
    }
    match issue(&state, SYSTEM_ASSIGNED, &form.resource) {
        Ok(issued) => Json(json!({
            "access_token": issued.access_token,
            "expires_in": issued.expires_in.to_string(),
            "expires_on": issued.expires_on.to_string(),
            "not_before": issued.not_before.to_string(),
            "resource": form.resource,
            "token_type": "Bearer",
        }))
        .into_response(),
        Err(refusal) => refusal.oauth(),
    }
}
