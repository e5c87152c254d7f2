//! ARM's refusals, in its `{"error":{"code","message"}}` shape: the routes' own, the
//! injected faults', and the missing `api-version`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// ARM's refusal: `{"error":{"code","message"}}` with a status.
#[derive(Debug)]
pub(crate) struct ArmError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ArmError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(
                serde_json::json!({ "error": { "code": self.code, "message": self.message } }),
            ),
        )
            .into_response()
    }
}

/// An injected 429/503/504 fault, in ARM's shape, with `Retry-After`.
pub(crate) fn fault(status: u16, retry_after: u64) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let (code, message) = if status == StatusCode::TOO_MANY_REQUESTS {
        (
            "TooManyRequests",
            "The request is being throttled. Please retry after the time in Retry-After.",
        )
    } else {
        (
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry later.",
        )
    };
    let mut response = ArmError::new(status, code, message).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// The request's `api-version`, or ARM's 400 without one.
pub(crate) fn require_api_version(query: Option<&str>) -> Result<(), ArmError> {
    let given = query.is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "api-version" && !v.is_empty())
    });
    if given {
        Ok(())
    } else {
        Err(ArmError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ))
    }
}
