//! The minimal Azure Resource Manager surface the Azure CLI needs to sign in to the
//! emulator as a cloud of its own: the cloud's metadata (`az cloud register`), and the
//! subscriptions and tenants `az login` lists. No ARM resources are served. Errors are
//! in ARM's `{"error":{"code","message"}}` shape.

mod auth;
mod error;
mod metadata;
mod subscriptions;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get};

use crate::body_limit::{self, Service};
use crate::faults::{Guard, guard};
use crate::route::Route;
use crate::shared::AppState;

pub(crate) use error::fault;

/// The ARM routes, each behind the guard that counts it and applies faults.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let guarded = |route: Route, methods: MethodRouter<AppState>| {
        methods
            .layer(from_fn_with_state(Guard::new(state, route), guard))
            // ARM's error shape is the admin API's.
            .layer(from_fn_with_state(
                (state.origin.clone(), Service::Admin),
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
