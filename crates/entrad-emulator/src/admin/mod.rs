//! The admin API under `/_emulator/` (loopback only, behind the admin token): stats,
//! faults, users, groups, consent, apps, test tokens; and, public as any issuer's, the OIDC
//! discovery and keys of the issuer of federated tokens.

mod apps;
mod auth;
mod consent;
mod credentials;
mod delta_reset;
mod faults;
mod federated;
mod groups;
mod json;
mod roles;
mod stats;
mod tenant;
mod users;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post};

use crate::body_limit::{self, Service};
use crate::shared::AppState;

pub(crate) use json::{admin_error, json_body};

/// Routes, to be nested under `/_emulator`.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/stats", get(stats::get))
        .route("/stats/reset", post(stats::reset))
        .route(
            "/faults",
            get(faults::list).post(faults::add).delete(faults::clear),
        )
        .route("/faults/{id}", axum::routing::delete(faults::remove))
        .route("/users", post(users::add))
        .route(
            "/users/{id}",
            patch(users::modify).delete(users::remove).get(users::get),
        )
        .route("/users/{id}/roles", get(roles::get).put(roles::set))
        .route("/groups", post(groups::add))
        .route(
            "/groups/{id}",
            patch(groups::modify)
                .delete(groups::remove)
                .get(groups::get),
        )
        .route("/groups/{id}/members", post(groups::add_member))
        .route(
            "/groups/{id}/members/{member}",
            axum::routing::delete(groups::remove_member),
        )
        .route("/consent", post(consent::set))
        .route("/delta/reset", post(delta_reset::reset))
        .route("/apps", get(apps::list))
        .route("/apps/{client_id}/secrets", post(credentials::add_secret))
        .route(
            "/apps/{client_id}/secrets/{key_id}",
            axum::routing::delete(credentials::remove_secret),
        )
        .route(
            "/apps/{client_id}/certificates",
            post(credentials::add_certificate),
        )
        .route(
            "/apps/{client_id}/certificates/{thumbprint}",
            axum::routing::delete(credentials::remove_certificate),
        )
        .route("/token", post(apps::token))
        .route("/federated-token", post(federated::token))
        .route(
            "/cae/events",
            get(crate::cae::list).post(crate::cae::record),
        )
        .route("/cae/enable", post(crate::cae::enable))
        .route_layer(from_fn_with_state(
            (state.origin.clone(), Service::Admin),
            body_limit::limit,
        ))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token))
        .route(
            "/oidc/.well-known/openid-configuration",
            get(crate::oidc::discovery),
        )
        .route("/oidc/openid/v1/jwks", get(crate::oidc::jwks))
}
