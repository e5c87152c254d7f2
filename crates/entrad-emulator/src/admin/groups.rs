//! `POST /_emulator/groups`, `GET/PATCH/DELETE /_emulator/groups/{id}`,
//! `POST /_emulator/groups/{id}/members`, `DELETE /_emulator/groups/{id}/members/{user}`:
//! changes that group delta queries then report.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::{admin_error, json_body};
use super::tenant::AdminTenant;
use super::users::{RemoveQuery, refused_as, saved};
use crate::directories::Directories;
use crate::state::{ChangeError, Group};

/// A new group: its properties, and its members by user id or userPrincipalName.
#[derive(Deserialize)]
struct NewGroup {
    #[serde(flatten)]
    group: Group,
    #[serde(default)]
    members: Vec<String>,
}

/// A member to add: `{"id": "<user id or userPrincipalName>"}`.
#[derive(Deserialize)]
struct NewMember {
    id: String,
}

/// The group as the admin API shows it: its properties and its member ids.
fn shown(group: &Group) -> serde_json::Value {
    let mut value = serde_json::to_value(group).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("members".into(), serde_json::json!(group.members));
    }
    value
}

fn refused(error: ChangeError, key: &str) -> Response {
    refused_as(error, "group", key)
}

fn not_found(key: &str) -> Response {
    refused(ChangeError::NotFound, key)
}

pub(crate) async fn add(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    body: Bytes,
) -> Response {
    let new: NewGroup = match json_body(&body) {
        Ok(g) => g,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid group: {e}")),
    };
    let mut directory = directories.write_at(tenant);
    match directory.add_group(new.group, &new.members) {
        Ok(group) => {
            saved(&directory);
            (StatusCode::CREATED, axum::Json(shown(&group))).into_response()
        }
        Err(e) => refused(e, ""),
    }
}

pub(crate) async fn get(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
) -> Response {
    let directory = directories.read_at(tenant);
    match uuid::Uuid::parse_str(&key)
        .ok()
        .and_then(|id| directory.groups.get(id))
    {
        Some(group) => axum::Json(shown(group)).into_response(),
        None => not_found(&key),
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
    match directory.patch_group(&key, patch) {
        Ok(group) => {
            saved(&directory);
            axum::Json(shown(&group)).into_response()
        }
        Err(e) => refused(e, &key),
    }
}

/// Soft delete by default (`@removed: changed`); `?permanent=true` reports `deleted`.
pub(crate) async fn remove(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(key): Path<String>,
    Query(query): Query<RemoveQuery>,
) -> Response {
    let mut directory = directories.write_at(tenant);
    match directory.remove_group(&key, query.permanent) {
        Ok(_) => {
            saved(&directory);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => refused(e, &key),
    }
}

fn member_change(
    directories: &Directories,
    tenant: usize,
    group: &str,
    member: &str,
    added: bool,
) -> Response {
    let mut directory = directories.write_at(tenant);
    match directory.change_member(group, member, added) {
        Ok(changed) => {
            saved(&directory);
            axum::Json(serde_json::json!({ "changed": changed })).into_response()
        }
        Err(e) => refused(e, group),
    }
}

/// Adds a member; `{"changed": false}` when the user already was one.
pub(crate) async fn add_member(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path(group): Path<String>,
    body: Bytes,
) -> Response {
    match json_body::<NewMember>(&body) {
        Ok(member) => member_change(&directories, tenant, &group, &member.id, true),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, format!("invalid member: {e}")),
    }
}

/// Removes a member; `{"changed": false}` when the user was not one.
pub(crate) async fn remove_member(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
    Path((group, member)): Path<(String, String)>,
) -> Response {
    member_change(&directories, tenant, &group, &member, false)
}
