//! `GET /_emulator/users/{id}/roles` and `PUT /_emulator/users/{id}/roles
//! {"roles": ["Global Administrator"]}`: a user's directory roles, which decide who
//! may grant admin consent (an empty list removes them all); `?tenant=` picks the tenant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::{admin_error, json_body};
use super::tenant::AdminTenant;
use crate::directories::Directories;
use crate::state::ChangeError;

#[derive(Deserialize)]
struct RolesBody {
    roles: Vec<String>,
}

fn answer(id: uuid::Uuid, roles: &[String]) -> Response {
    axum::Json(serde_json::json!({ "id": id, "roles": roles })).into_response()
}

pub(crate) async fn get(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
) -> Response {
    let directory = directories.read_at(tenant);
    match directory.users.find(&key) {
        Some(user) => answer(user.id, directory.roles_of(user.id)),
        None => admin_error(StatusCode::NOT_FOUND, format!("no user {key}")),
    }
}

pub(crate) async fn set(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let body: RolesBody = match json_body(&body) {
        Ok(body) => body,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e),
    };
    let mut directory = directories.write_at(tenant);
    match directory.set_roles(&key, body.roles) {
        Ok(id) => {
            if let Err(e) = directory.save() {
                tracing::error!("cannot save the state: {e}");
            }
            tracing::info!(%id, "directory roles changed");
            answer(id, directory.roles_of(id))
        }
        Err(ChangeError::NotFound) => admin_error(StatusCode::NOT_FOUND, format!("no user {key}")),
        Err(ChangeError::Invalid(e)) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}
