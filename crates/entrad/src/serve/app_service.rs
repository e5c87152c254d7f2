//! The App Service protocol (api-version 2019-08-01), as azure-identity, MSAL
//! and the other Azure SDKs speak it when `IDENTITY_ENDPOINT` and
//! `IDENTITY_HEADER` are set: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=R`
//! with `X-IDENTITY-HEADER`; the answer's `expires_on` is a string of epoch seconds.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use crate::serve::audit::epoch_seconds;
use crate::serve::guard::Refusal;
use crate::serve::header_secret::HeaderSecret;
use crate::serve::reply;

/// The endpoint's path (`IDENTITY_ENDPOINT` is the broker's URL with it).
pub const PATH: &str = "/msi/token";
/// The one api-version served.
pub const API_VERSION: &str = "2019-08-01";
/// The header carrying the secret.
pub const HEADER: &str = "x-identity-header";

/// Whether the request carries the identity header's secret.
pub fn authorize<B>(request: &Request<B>, secret: &HeaderSecret) -> Result<(), Refusal> {
    match request.headers().get(HEADER) {
        Some(value) if secret.matches(value.as_bytes()) => Ok(()),
        Some(_) => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "header",
            "X-IDENTITY-HEADER is not this broker's: read IDENTITY_HEADER again (it changes at every start)",
        )),
        None => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "header",
            "X-IDENTITY-HEADER is missing: send the value of IDENTITY_HEADER",
        )),
    }
}

/// A token, in the endpoint's shape.
pub fn success(
    access_token: &str,
    expires_on: std::time::SystemTime,
    resource: &str,
    client_id: &str,
) -> Response<Full<Bytes>> {
    reply::json(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "expires_on": epoch_seconds(expires_on).to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": client_id,
        }),
    )
}

/// An error, in the endpoint's shape (`statusCode`, `message`).
pub fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    reply::json(
        status,
        &json!({"statusCode": status.as_u16(), "message": message}),
    )
}
