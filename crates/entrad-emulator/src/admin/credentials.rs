//! An app's secrets and certificates, added and removed as in the portal's
//! "Certificates & secrets" (what rotation tests need):
//! `POST /_emulator/apps/{client_id}/secrets {"expires_in": seconds}` (default two
//! years; negative for an already expired one, refused with AADSTS7000222),
//! `DELETE /_emulator/apps/{client_id}/secrets/{key_id}` (the value is then refused
//! with AADSTS7000215), `POST /_emulator/apps/{client_id}/certificates
//! {"certificate": PEM}` and `DELETE /_emulator/apps/{client_id}/certificates/{thumbprint}`
//! (assertions naming it are then refused with AADSTS700027). Secrets are saved with
//! the state; added certificates live in memory until the emulator stops.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::json::{admin_error, json_body};
use crate::clock::unix_now;
use crate::directories::Directories;
use crate::keys::{registered_certificate, thumbprint_hex};
use crate::state::{App, ClientSecret, Directory};

/// The portal's default lifetime of a new secret: two years.
const DEFAULT_SECRET_LIFETIME: i64 = 730 * 86_400;

#[derive(Deserialize)]
pub(crate) struct NewSecret {
    /// Seconds from now until the secret expires.
    expires_in: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct NewCertificate {
    /// The certificate (public part only), PEM.
    certificate: String,
}

/// The app, or the 404 to answer.
fn app_mut<'a>(
    directory: &'a mut Directory,
    client_id: &str,
) -> Result<&'a mut App, Box<Response>> {
    directory
        .apps
        .iter_mut()
        .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
        .ok_or_else(|| {
            Box::new(admin_error(
                StatusCode::NOT_FOUND,
                format!("no app {client_id}"),
            ))
        })
}

fn save(directory: &Directory) {
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the state: {e}");
    }
}

pub(crate) async fn add_secret(
    State(directories): State<Arc<Directories>>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Response {
    let request: NewSecret = match json_body(&body) {
        Ok(request) => request,
        Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
    };
    let expires = unix_now().saturating_add(request.expires_in.unwrap_or(DEFAULT_SECRET_LIFETIME));
    let secret = ClientSecret {
        key_id: uuid::Uuid::new_v4().to_string(),
        value: crate::state::new_secret_value(),
        expires,
    };
    let answer = serde_json::json!({
        "key_id": secret.key_id,
        "value": secret.value.expose_secret(),
        "expires": secret.expires,
    });
    let mut directory = directories.write();
    match app_mut(&mut directory, &client_id) {
        Ok(app) => app.secrets.push(secret),
        Err(response) => return *response,
    }
    save(&directory);
    tracing::info!(client_id = %client_id, "secret added");
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

pub(crate) async fn remove_secret(
    State(directories): State<Arc<Directories>>,
    Path((client_id, key_id)): Path<(String, String)>,
) -> Response {
    let mut directory = directories.write();
    let app = match app_mut(&mut directory, &client_id) {
        Ok(app) => app,
        Err(response) => return *response,
    };
    let before = app.secrets.len();
    app.secrets.retain(|s| s.key_id != key_id);
    if app.secrets.len() == before {
        return admin_error(StatusCode::NOT_FOUND, format!("no secret {key_id}"));
    }
    save(&directory);
    tracing::info!(client_id = %client_id, key_id = %key_id, "secret removed");
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn add_certificate(
    State(directories): State<Arc<Directories>>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Response {
    let request: NewCertificate = match json_body(&body) {
        Ok(request) => request,
        Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
    };
    let der = match rustls_pemfile::certs(&mut request.certificate.as_bytes()).next() {
        Some(Ok(der)) => der.to_vec(),
        _ => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "certificate: expected a PEM \"CERTIFICATE\" block",
            );
        }
    };
    let certificate = match registered_certificate(&der) {
        Ok(certificate) => certificate,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("certificate: {e}")),
    };
    let thumbprint = thumbprint_hex(&certificate);
    let mut directory = directories.write();
    match app_mut(&mut directory, &client_id) {
        Ok(app) => {
            if !app.certificates.iter().any(|c| c.sha1 == certificate.sha1) {
                app.certificates.push(certificate);
            }
        }
        Err(response) => return *response,
    }
    tracing::info!(client_id = %client_id, thumbprint = %thumbprint, "certificate added");
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "thumbprint": thumbprint })),
    )
        .into_response()
}

pub(crate) async fn remove_certificate(
    State(directories): State<Arc<Directories>>,
    Path((client_id, thumbprint)): Path<(String, String)>,
) -> Response {
    let mut directory = directories.write();
    let app = match app_mut(&mut directory, &client_id) {
        Ok(app) => app,
        Err(response) => return *response,
    };
    let before = app.certificates.len();
    app.certificates
        .retain(|c| !thumbprint_hex(c).eq_ignore_ascii_case(&thumbprint));
    if app.certificates.len() == before {
        return admin_error(
            StatusCode::NOT_FOUND,
            format!("no certificate {thumbprint}"),
        );
    }
    save(&directory);
    tracing::info!(client_id = %client_id, thumbprint = %thumbprint, "certificate removed");
    StatusCode::NO_CONTENT.into_response()
}
