//! `GET /_emulator/stats`, `POST /_emulator/stats/reset`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::shared::AppState;

pub(crate) async fn get(State(state): State<AppState>) -> Response {
    axum::Json(state.stats.snapshot()).into_response()
}

pub(crate) async fn reset(State(state): State<AppState>) -> Response {
    state.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}
