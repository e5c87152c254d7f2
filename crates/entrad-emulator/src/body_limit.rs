//! The one bound on request bodies: a larger body is refused with 413 in the shape of
//! the service it was sent to, before any handler reads it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::base_url::Origin;
use crate::graph::reply::{GraphCtx, Reply};
use crate::token::errors::{TokenError, correlation_id};

/// The largest request body served: far above a token request (a client assertion
/// with its chain is a few KiB), a 20-request `$batch` or an admin call.
pub(crate) const MAX_BODY: usize = 1 << 20;

/// Which service's error shape a refusal takes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Service {
    Token,
    Graph,
    Admin,
}

fn message() -> String {
    format!("The request body is larger than the emulator's limit of {MAX_BODY} bytes (1 MiB).")
}

fn too_large(origin: &Origin, service: Service, headers: &HeaderMap) -> Response {
    match service {
        // Entra documents no code for this; 90000 is the emulator's choice.
        Service::Token => TokenError::new(413, "invalid_request", 90000, message())
            .respond(&correlation_id(headers)),
        Service::Graph => {
            let ctx = GraphCtx::new(headers, origin.base_url.clone());
            Reply::error(413, "RequestEntityTooLarge", &message(), &ctx).into_response(&ctx)
        }
        Service::Admin => (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(serde_json::json!({
                "error": { "code": "RequestEntityTooLarge", "message": message() }
            })),
        )
            .into_response(),
    }
}

/// The middleware: refuses a declared length over the limit at once, else reads the
/// body up to the limit and hands the handlers a body they can read whole.
pub(crate) async fn limit(
    State((origin, service)): State<(Arc<Origin>, Service)>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large(&origin, service, request.headers());
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) if is_length_limit(&e) => too_large(&origin, service, &parts.headers),
        Err(e) => {
            tracing::debug!("cannot read a request body: {e}");
            (
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
                .into_response()
        }
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
