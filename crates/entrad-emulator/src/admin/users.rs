//! `POST /_emulator/users`, `GET/PATCH/DELETE /_emulator/users/{id}`: changes that
//! delta queries then report.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::admin_error;
use super::tenant::AdminTenant;
use crate::directories::Directories;
use crate::state::{ChangeError, User};

fn refused(error: ChangeError, key: &str) -> Response {
    refused_as(error, "user", key)
}

/// The admin API's answer to a refused change of a `kind` (`user`, `group`).
pub(super) fn refused_as(error: ChangeError, kind: &str, key: &str) -> Response {
    match error {
        ChangeError::NotFound => admin_error(StatusCode::NOT_FOUND, format!("no {kind} {key}")),
        ChangeError::Invalid(message) => admin_error(StatusCode::BAD_REQUEST, message),
    }
}

pub(super) fn saved(directory: &crate::state::Directory) {
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the state: {e}");
    }
}

pub(crate) async fn add(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    body: Bytes,
) -> Response {
    let user: User = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid user: {e}")),
    };
    let mut directory = directories.write_at(tenant);
    match directory.add_user(user) {
        Ok(user) => {
            saved(&directory);
            (StatusCode::CREATED, axum::Json(user)).into_response()
        }
        Err(e) => refused(e, ""),
    }
}

pub(crate) async fn get(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
) -> Response {
    match directories.read_at(tenant).users.find(&key) {
        Some(user) => axum::Json(user).into_response(),
        None => admin_error(StatusCode::NOT_FOUND, format!("no user {key}")),
    }
}

pub(crate) async fn modify(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let patch: serde_json::Map<String, serde_json::Value> = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid patch: {e}")),
    };
    let mut directory = directories.write_at(tenant);
    match directory.patch_user(&key, patch) {
        Ok(user) => {
            saved(&directory);
            axum::Json(user).into_response()
        }
        Err(e) => refused(e, &key),
    }
}

#[derive(Deserialize)]
pub(crate) struct RemoveQuery {
    #[serde(default)]
    pub(super) permanent: bool,
}

/// Soft delete by default (`@removed: changed`); `?permanent=true` reports `deleted`.
pub(crate) async fn remove(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
    Query(query): Query<RemoveQuery>,
) -> Response {
    let mut directory = directories.write_at(tenant);
    match directory.remove_user(&key, query.permanent) {
        Ok(_) => {
            saved(&directory);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => refused(e, &key),
    }
}
