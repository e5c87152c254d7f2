//! The minimal Azure Resource Manager surface the Azure CLI needs to sign in to the
//! emulator as a cloud of its own: the cloud's metadata (`az cloud register`), and the
//! subscriptions and tenants `az login` lists. No ARM resources are served. Errors are
//! in ARM's `{"error":{"code","message"}}` shape.

mod auth;
mod metadata;
mod subscriptions;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use crate::body_limit::{self, Service};
use crate::faults::guard;
use crate::route::Route;
use crate::shared::AppState;

/// The ARM routes, each behind the guard that counts it and applies faults.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let guarded = |route: Route, methods: MethodRouter<AppState>| {
        methods
            .layer(from_fn_with_state((state.clone(), route), guard))
            // ARM's error shape is the admin API's.
            .layer(from_fn_with_state(
                (state.clone(), Service::Admin),
                body_limit::limit,
            ))
    };
    Router::new()
        .route(
            "/metadata/endpoints",
            guarded(Route::ArmMetadata, get(metadata::endpoints)),
        )
        // `az cloud register --endpoint-resource-manager https://host:port/` appends
        // `/metadata/endpoints` to the URL as given, trailing slash and all.
        .route(
            "//metadata/endpoints",
            guarded(Route::ArmMetadata, get(metadata::endpoints)),
        )
        .route(
            "/subscriptions",
            guarded(Route::Subscriptions, get(subscriptions::list)),
        )
        .route(
            "/subscriptions/{id}",
            guarded(Route::Subscriptions, get(subscriptions::get)),
        )
        .route(
            "/tenants",
            guarded(Route::Tenants, get(subscriptions::tenants)),
        )
}

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
fn require_api_version(query: Option<&str>) -> Result<(), ArmError> {
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
