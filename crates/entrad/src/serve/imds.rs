//! The IMDS protocol (`/metadata/identity/oauth2/token`), as clients speak it
//! with `AZURE_POD_IDENTITY_AUTHORITY_HOST` pointing at the broker:
//! `Metadata: true` required; numbers in the answer are strings, as IMDS sends them.

use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use crate::serve::audit::epoch_seconds;
use crate::serve::guard::Refusal;
use crate::serve::reply;

/// The endpoint's path.
pub const PATH: &str = "/metadata/identity/oauth2/token";

/// Whether the request carries `Metadata: true` (IMDS's guard against forged requests).
pub fn authorize<B>(request: &Request<B>) -> Result<(), Refusal> {
    match request.headers().get("metadata") {
        Some(value) if value.as_bytes().eq_ignore_ascii_case(b"true") => Ok(()),
        _ => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "header",
            "Required metadata header not specified: send Metadata: true",
        )),
    }
}

/// A token, in IMDS's shape.
pub fn success(
    access_token: &str,
    expires_on: SystemTime,
    resource: &str,
    client_id: &str,
) -> Response<Full<Bytes>> {
    let expires_on = epoch_seconds(expires_on);
    let now = epoch_seconds(SystemTime::now());
    let expires_in = expires_on.saturating_sub(now).to_string();
    reply::json(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "client_id": client_id,
            "expires_in": expires_in,
            "expires_on": expires_on.to_string(),
            "ext_expires_in": expires_in,
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }),
    )
}

/// An error, in IMDS's shape (`error`, `error_description`).
pub fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let code = match status {
        StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN => "invalid_request",
        StatusCode::NOT_FOUND => "not_found",
        _ => "unknown_error",
    };
    reply::json(
        status,
        &json!({"error": code, "error_description": message}),
    )
}
