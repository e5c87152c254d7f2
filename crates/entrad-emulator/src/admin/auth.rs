//! The admin API's bearer check: `Authorization: Bearer <admin token>` on every
//! admin route, unless the emulator was started with `--no-admin-token`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::access::Access;

fn unauthorized(message: &str) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({
            "error": { "code": "Unauthorized", "message": message }
        })),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"entrad-emulator-admin\""),
    );
    response
}

/// The middleware in front of the admin routes.
pub(crate) async fn require_token(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    if !access.required() {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match given {
        None => unauthorized(
            "The admin API needs 'Authorization: Bearer <admin token>'; the token is in the ready line and in the state directory's admin-token file.",
        ),
        Some(token) if access.admits(token) => next.run(request).await,
        Some(_) => unauthorized("The admin token is not valid for this emulator."),
    }
}
