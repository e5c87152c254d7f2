//! `GET/POST/DELETE /_emulator/faults`, `DELETE /_emulator/faults/{id}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::admin_error;
use crate::faults::FaultSpec;
use crate::shared::AppState;

pub(crate) async fn list(State(state): State<AppState>) -> Response {
    axum::Json(serde_json::json!({ "faults": state.faults.list() })).into_response()
}

pub(crate) async fn add(State(state): State<AppState>, body: Bytes) -> Response {
    let spec = serde_json::from_slice(&body)
        .map_err(|e| e.to_string())
        .and_then(FaultSpec::from_body);
    match spec {
        Ok(spec) => {
            tracing::info!(route = %spec.route, kind = spec.kind.name(), "fault added");
            let id = state.faults.add(spec);
            axum::Json(serde_json::json!({ "id": id })).into_response()
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

pub(crate) async fn clear(State(state): State<AppState>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn remove(State(state): State<AppState>, Path(id): Path<u64>) -> Response {
    if state.faults.remove(id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        admin_error(StatusCode::NOT_FOUND, format!("no fault {id}"))
    }
}
