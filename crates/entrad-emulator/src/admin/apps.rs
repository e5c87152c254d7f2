//! `GET /_emulator/apps` (registrations with their secrets and federated credentials,
//! as the portal shows them to their owner) and `POST /_emulator/token` (a signed token with chosen claims, to
//! test how Graph refuses expired or foreign tokens).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::json::{admin_error, json_body, override_claims};
use super::tenant::AdminTenant;
use crate::base_url::Origin;
use crate::clock::unix_now;
use crate::directories::Directories;
use crate::keys::{SigningKey, thumbprint_hex};
use crate::state::CONSENTED_CLIENT_ID;
use crate::token::mint::{self, ClientAuth};

pub(crate) async fn list(
    State(directories): State<Arc<Directories>>,
    State(origin): State<Arc<Origin>>,
    AdminTenant(tenant): AdminTenant,
) -> Response {
    let issuer = crate::oidc::issuer(&origin.base_url);
    let directory = directories.read_at(tenant);
    let apps: Vec<serde_json::Value> = directory
        .apps
        .iter()
        .map(|app| {
            serde_json::json!({
                "client_id": app.client_id,
                "display_name": app.display_name,
                "service_principal_id": app.service_principal_id,
                "roles": app.roles,
                "consented": app.consented,
                "secrets": app.secrets.iter().map(|s| serde_json::json!({
                    "key_id": s.key_id,
                    "value": s.value.expose_secret(),
                    "expires": s.expires,
                })).collect::<Vec<_>>(),
                "certificates": app.certificates.iter().map(|c| serde_json::json!({
                    "thumbprint": thumbprint_hex(c),
                })).collect::<Vec<_>>(),
                "federated_credentials": app.federated_credentials.iter().map(|f| serde_json::json!({
                    "name": f.name,
                    "issuer": issuer,
                    "subject": f.subject,
                    "audiences": f.audiences,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "tenant_id": directory.tenant.id, "apps": apps }))
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    client_id: Option<String>,
    /// Claims to set (or, with null, to remove) on top of a normal token's.
    #[serde(default)]
    claims: serde_json::Map<String, serde_json::Value>,
}

pub(crate) async fn token(
    State(directories): State<Arc<Directories>>,
    State(signing): State<Arc<SigningKey>>,
    AdminTenant(tenant): AdminTenant,
    body: Bytes,
) -> Response {
    let request: TokenRequest = match json_body(&body) {
        Ok(request) => request,
        Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
    };
    let directory = directories.read_at(tenant);
    let client_id = request.client_id.as_deref().unwrap_or(CONSENTED_CLIENT_ID);
    let Some(app) = directory.app(client_id) else {
        return admin_error(StatusCode::NOT_FOUND, format!("no app {client_id}"));
    };
    let mut claims = mint::claims(&directory.tenant.id, app, ClientAuth::Secret, unix_now());
    override_claims(&mut claims, request.claims);
    match mint::sign(&signing, &claims) {
        Some(token) => axum::Json(serde_json::json!({ "access_token": token, "claims": claims }))
            .into_response(),
        None => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "cannot sign"),
    }
}
