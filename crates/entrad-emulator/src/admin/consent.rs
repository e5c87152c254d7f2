//! `POST /_emulator/consent {"client_id": "..", "granted": true|false}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::admin_error;
use super::tenant::AdminTenant;
use crate::shared::AppState;

#[derive(Deserialize)]
pub(crate) struct ConsentBody {
    client_id: String,
    granted: bool,
}

pub(crate) async fn set(
    State(state): State<AppState>,
    AdminTenant(tenant): AdminTenant,
    body: axum::body::Bytes,
) -> Response {
    let body: ConsentBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    let mut directory = state.write_at(tenant);
    if !directory.set_consent(&body.client_id, body.granted) {
        return admin_error(StatusCode::NOT_FOUND, format!("no app {}", body.client_id));
    }
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the state: {e}");
    }
    tracing::info!(client_id = %body.client_id, granted = body.granted, "consent changed");
    axum::Json(serde_json::json!({ "client_id": body.client_id, "granted": body.granted }))
        .into_response()
}
