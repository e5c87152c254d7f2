//! The URL map: token service, Graph, admin API, each served route behind the guard
//! that counts it and applies faults.

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, delete, get, post};

use crate::body_limit::{self, Service};
use crate::faults::{Guard, guard};
use crate::graph;
use crate::route::Route;
use crate::shared::AppState;
use crate::token::{endpoint, metadata};
use crate::web::consent;

async fn log(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let response = next.run(request).await;
    tracing::debug!(%method, %path, status = response.status().as_u16(), "served");
    response
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({
            "error": { "code": "NotFound", "message": "No such endpoint on the entrad emulator." }
        })),
    )
        .into_response()
}

pub(crate) fn build(state: AppState) -> Router {
    let guarded = |route: Route, methods: MethodRouter<AppState>| {
        let service = if route.is_graph() {
            Service::Graph
        } else {
            Service::Token
        };
        methods
            .layer(from_fn_with_state(Guard::new(&state, route), guard))
            .layer(from_fn_with_state(
                (state.origin.clone(), service),
                body_limit::limit,
            ))
    };
    let graph = |route: Route, methods: MethodRouter<AppState>| {
        guarded(route, methods.fallback(graph::method_not_allowed))
    };
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            guarded(
                Route::OpenidConfiguration,
                get(metadata::openid_configuration_v2),
            ),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            guarded(
                Route::OpenidConfiguration,
                get(metadata::openid_configuration_v1),
            ),
        )
        .route(
            "/{tenant}/discovery/instance",
            guarded(Route::InstanceDiscovery, get(metadata::instance_discovery)),
        )
        .route(
            "/{tenant}/discovery/v2.0/keys",
            guarded(Route::Jwks, get(metadata::jwks)),
        )
        .route(
            "/{tenant}/discovery/keys",
            guarded(Route::Jwks, get(metadata::jwks)),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            guarded(Route::Token, post(endpoint::token)),
        )
        .route(
            "/{tenant}/adminconsent",
            guarded(
                Route::AdminConsent,
                get(consent::prompt).post(consent::submit),
            ),
        )
        .route(
            "/{tenant}/v2.0/adminconsent",
            guarded(
                Route::AdminConsent,
                get(consent::prompt).post(consent::submit),
            ),
        )
        .route(
            "/v1.0/users",
            graph(
                Route::Users,
                get(graph::list_users).post(graph::create_user),
            ),
        )
        .route(
            "/v1.0/users/$count",
            graph(Route::Users, get(graph::count_users)),
        )
        .merge(graph::function::routes(
            "/v1.0/users",
            "delta",
            graph(Route::UsersDelta, get(graph::users_delta)),
        ))
        .route(
            "/v1.0/users/{id}",
            graph(
                Route::User,
                get(graph::get_user)
                    .patch(graph::update_user)
                    .delete(graph::delete_user),
            ),
        )
        .route(
            "/v1.0/groups",
            graph(
                Route::Groups,
                get(graph::list_groups).post(graph::create_group),
            ),
        )
        .route(
            "/v1.0/groups/$count",
            graph(Route::Groups, get(graph::count_groups)),
        )
        .merge(graph::function::routes(
            "/v1.0/groups",
            "delta",
            graph(Route::GroupsDelta, get(graph::groups_delta)),
        ))
        .route(
            "/v1.0/groups/{id}",
            graph(
                Route::Group,
                get(graph::get_group)
                    .patch(graph::update_group)
                    .delete(graph::delete_group),
            ),
        )
        .route(
            "/v1.0/groups/{id}/members",
            graph(Route::GroupMembers, get(graph::group_members)),
        )
        .route(
            "/v1.0/groups/{id}/members/$ref",
            graph(Route::GroupMembers, post(graph::add_group_member)),
        )
        .route(
            "/v1.0/groups/{id}/members/{member}/$ref",
            graph(Route::GroupMembers, delete(graph::remove_group_member)),
        )
        .route(
            "/v1.0/users/{id}/checkMemberGroups",
            graph(Route::GroupMembers, post(graph::check_member_groups)),
        )
        .route(
            "/v1.0/directoryObjects/{id}/checkMemberGroups",
            graph(Route::GroupMembers, post(graph::check_member_groups)),
        )
        .route("/v1.0/$batch", graph(Route::Batch, post(graph::batch)))
        .route("/v1.0/{*rest}", any(graph::unknown_segment))
        .merge(crate::arm::router(&state))
        .nest("/_emulator", crate::admin::router(&state))
        .merge(crate::web::router(&state))
        .fallback(not_found)
        .layer(from_fn(log))
        .with_state(state)
}
