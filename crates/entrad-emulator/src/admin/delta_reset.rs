//! `POST /_emulator/delta/reset[?tenant=..]`: forgets every delta round of a
//! tenant, as Graph does when a sync state expires: every stored nextLink and
//! deltaLink then gets `410 Gone` with `syncStateNotFound`, and clients must
//! start a fresh round.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::tenant::AdminTenant;
use crate::directories::Directories;

pub(crate) async fn reset(
    State(directories): State<Arc<Directories>>,
    AdminTenant(tenant): AdminTenant,
) -> Response {
    let mut directory = directories.write_at(tenant);
    directory.sync_epoch = uuid::Uuid::new_v4().simple().to_string();
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the state: {e}");
    }
    StatusCode::NO_CONTENT.into_response()
}
