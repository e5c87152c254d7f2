//! `POST /_emulator/cae/events` records an event (`{"event":"service_principal_disabled",
//! "client_id":".."}`; `service_principal_deleted`; `location_policy_changed` and
//! `risk_policy_changed`, for one app or, without `client_id`, every app);
//! `GET /_emulator/cae/events` lists them, with the claims challenges Graph sent
//! (`challenges_sent`) and the token requests that carried one's claims
//! (`challenges_answered`); `POST /_emulator/cae/enable`
//! (`{"client_id":".."}`) enables a disabled service principal again.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::events::{Event, EventKind, Events};
use crate::admin::{admin_error, json_body};
use crate::clock::unix_now;
use crate::directories::Directories;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventRequest {
    event: EventKind,
    client_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnableRequest {
    client_id: String,
}

/// `POST /_emulator/cae/events`.
pub(crate) async fn record(
    State(directories): State<Arc<Directories>>,
    State(events): State<Arc<Events>>,
    body: Bytes,
) -> Response {
    let request: EventRequest = match json_body(&body) {
        Ok(request) => request,
        Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
    };
    let revocation = matches!(
        request.event,
        EventKind::ServicePrincipalDisabled | EventKind::ServicePrincipalDeleted
    );
    if revocation && request.client_id.is_none() {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "a service principal event needs the app's client_id",
        );
    }
    if let Some(client_id) = &request.client_id {
        let mut directory = directories.write();
        let Some(app) = directory
            .apps
            .iter_mut()
            .find(|a| a.client_id == *client_id)
        else {
            return admin_error(StatusCode::NOT_FOUND, format!("no app {client_id}"));
        };
        if request.event == EventKind::ServicePrincipalDeleted {
            app.service_principal_id = None;
        }
    }
    let event = Event {
        kind: request.event,
        client_id: request.client_id,
        time: unix_now(),
    };
    tracing::info!(kind = ?event.kind, client_id = ?event.client_id, time = event.time, "CAE event recorded");
    events.record(event.clone());
    (StatusCode::CREATED, axum::Json(event)).into_response()
}

/// `GET /_emulator/cae/events`.
pub(crate) async fn list(State(events): State<Arc<Events>>) -> Response {
    let (challenged, answered) = events.challenges();
    axum::Json(serde_json::json!({
        "events": events.all(),
        "challenges_sent": challenged,
        "challenges_answered": answered,
    }))
    .into_response()
}

/// `POST /_emulator/cae/enable`.
pub(crate) async fn enable(
    State(directories): State<Arc<Directories>>,
    State(events): State<Arc<Events>>,
    body: Bytes,
) -> Response {
    let request: EnableRequest = match json_body(&body) {
        Ok(request) => request,
        Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
    };
    if directories.read().app(&request.client_id).is_none() {
        return admin_error(
            StatusCode::NOT_FOUND,
            format!("no app {}", request.client_id),
        );
    }
    events.enable(&request.client_id);
    StatusCode::NO_CONTENT.into_response()
}
