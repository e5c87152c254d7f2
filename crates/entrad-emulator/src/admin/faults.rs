//! `GET/POST/DELETE /_emulator/faults`, `DELETE /_emulator/faults/{id}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::json::admin_error;
use crate::faults::{FaultSpec, Faults};

pub(crate) async fn list(State(faults): State<Arc<Faults>>) -> Response {
    axum::Json(serde_json::json!({ "faults": faults.list() })).into_response()
}

pub(crate) async fn add(State(faults): State<Arc<Faults>>, body: Bytes) -> Response {
    let spec = serde_json::from_slice(&body)
        .map_err(|e| e.to_string())
        .and_then(FaultSpec::from_body);
    match spec {
        Ok(spec) => {
            tracing::info!(route = %spec.route, kind = spec.kind.name(), "fault added");
            let id = faults.add(spec);
            axum::Json(serde_json::json!({ "id": id })).into_response()
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

pub(crate) async fn clear(State(faults): State<Arc<Faults>>) -> Response {
    faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn remove(State(faults): State<Arc<Faults>>, Path(id): Path<u64>) -> Response {
    if faults.remove(id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        admin_error(StatusCode::NOT_FOUND, format!("no fault {id}"))
    }
}
