//! `GET /_emulator/stats`, `POST /_emulator/stats/reset`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::stats::Stats;

pub(crate) async fn get(State(stats): State<Arc<Stats>>) -> Response {
    axum::Json(stats.snapshot()).into_response()
}

pub(crate) async fn reset(State(stats): State<Arc<Stats>>) -> Response {
    stats.reset();
    StatusCode::NO_CONTENT.into_response()
}
