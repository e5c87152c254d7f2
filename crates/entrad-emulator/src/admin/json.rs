//! The admin API's JSON: reading a request body, answering an error, and the
//! claims a test token request overrides.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `{"error": message}` with a status.
pub(crate) fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message.into() })),
    )
        .into_response()
}

/// An admin request's JSON body, where an empty body means `{}`; a bad body
/// gives the message for a 400.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| format!("invalid body: {e}"))
}

/// Sets each of `overrides` on `claims`, removing those given as null.
pub(super) fn override_claims(
    claims: &mut serde_json::Value,
    overrides: serde_json::Map<String, serde_json::Value>,
) {
    if let Some(map) = claims.as_object_mut() {
        for (name, value) in overrides {
            if value.is_null() {
                map.remove(&name);
            } else {
                map.insert(name, value);
            }
        }
    }
}
