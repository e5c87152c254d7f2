//! `POST /_emulator/consent {"client_id": "..", "granted": true|false, "roles": [..]}`:
//! `roles`, when given, replaces the app's Graph application permissions (e.g. adds
//! `User.ReadWrite.All` to the demo app's read roles); tokens carry them once granted.

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
    #[serde(default)]
    roles: Option<Vec<String>>,
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
    if !directory.change_consent(&body.client_id, body.granted, body.roles) {
        return admin_error(StatusCode::NOT_FOUND, format!("no app {}", body.client_id));
    }
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the state: {e}");
    }
    tracing::info!(client_id = %body.client_id, granted = body.granted, "consent changed");
    let roles = directory
        .app(&body.client_id)
        .map(|app| app.roles.clone())
        .unwrap_or_default();
    axum::Json(serde_json::json!({
        "client_id": body.client_id,
        "granted": body.granted,
        "roles": roles,
    }))
    .into_response()
}
