//! `POST /_emulator/consent {"client_id": "..", "granted": true|false}`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::admin_error;
use super::tenant::AdminTenant;
use crate::directories::Directories;

#[derive(Deserialize)]
pub(crate) struct ConsentBody {
    client_id: String,
    granted: bool,
}

pub(crate) async fn set(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    body: axum::body::Bytes,
) -> Response {
    let body: ConsentBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    let mut directory = directories.write_at(tenant);
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
