//! Minting a managed identity's token: the app-only claims of its service
//! principal (`appid`, `oid`, roles once consented, for Graph) plus `xms_mirid`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::identities::Identity;
use super::mi_state::MiState;
use crate::clock::unix_now;
use crate::token::mint::{self, ClientAuth, LIFETIME_SECS};
use crate::token::resource;

/// A minted token and its times.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) expires_in: i64,
    pub(crate) expires_on: i64,
    pub(crate) not_before: i64,
}

/// Why no token was minted.
pub(crate) enum Refusal {
    /// Not a resource the tenant knows (Graph and ARM are emulated).
    UnknownResource(String),
    /// The identity's service principal is gone from the directory.
    NoServicePrincipal,
    /// Signing failed.
    Internal,
}

pub(crate) fn issue(
    state: &MiState,
    identity: Identity,
    resource: &str,
) -> Result<Issued, Refusal> {
    let Some(known) = resource::identify(&state.origin, resource) else {
        return Err(Refusal::UnknownResource(resource.to_string()));
    };
    let now = unix_now();
    let directory = state.directories.read();
    let app = directory
        .app(identity.client_id)
        .ok_or(Refusal::NoServicePrincipal)?;
    let mut claims = mint::claims(&directory.tenant.id, app, ClientAuth::Assertion, now);
    drop(directory);
    known.apply(&mut claims);
    claims["xms_mirid"] = Value::from(identity.resource_id);
    let access_token = mint::sign(&state.signing, &claims).ok_or(Refusal::Internal)?;
    Ok(Issued {
        access_token,
        expires_in: LIFETIME_SECS,
        expires_on: now + LIFETIME_SECS,
        not_before: now - 300,
    })
}

impl Refusal {
    /// The OAuth-shaped error IMDS, Arc and Cloud Shell answer with.
    pub(crate) fn oauth(&self) -> Response {
        match self {
            Refusal::UnknownResource(resource) => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_resource",
                &format!(
                    "AADSTS500011: The resource principal named {resource} was not found in the tenant."
                ),
            ),
            Refusal::NoServicePrincipal => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Identity not found",
            ),
            Refusal::Internal => oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The token could not be signed.",
            ),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Refusal::UnknownResource(resource) => format!(
                "AADSTS500011: The resource principal named {resource} was not found in the tenant."
            ),
            Refusal::NoServicePrincipal => "Unable to load the proper Managed Identity.".into(),
            Refusal::Internal => "The token could not be signed.".into(),
        }
    }
}

/// `{"error","error_description"}` with a status.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}
