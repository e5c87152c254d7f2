//! The middleware in front of every served route: counts the request, throttles
//! clients that come back before their `Retry-After`, and applies injected faults.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Notify;

use super::spec::FaultKind;
use super::traffic::Traffic;
use crate::base_url::Origin;
use crate::body_limit::MAX_BODY;
use crate::graph::auth::unverified_appid;
use crate::graph::reply::{GraphCtx, fault_reply};
use crate::route::Route;
use crate::shared::AppState;
use crate::token::endpoint::{TokenForm, basic_credentials};
use crate::token::errors::{TokenError, correlation_id};
use crate::web::Recent;

/// Closes the connection a request came on, without an answer (the `drop` fault).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub(crate) fn fire(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn fired(&self) {
        self.0.notified().await;
    }
}

/// The guard of one route: what it counts, throttles and faults with, where it
/// records the request for the portal, and the route.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    traffic: Traffic,
    recent: Arc<Recent>,
    origin: Arc<Origin>,
    route: Route,
}

impl Guard {
    pub(crate) fn new(state: &AppState, route: Route) -> Guard {
        Guard {
            traffic: Traffic::from_ref(state),
            recent: state.recent.clone(),
            origin: state.origin.clone(),
            route,
        }
    }
}

/// Who a request comes from, for throttling: the token's `appid` on Graph, the
/// `client_id` at the token endpoint.
async fn identify(route: Route, request: Request) -> (Request, String) {
    match route {
        Route::Token => {
            let (parts, body) = request.into_parts();
            // The body limit in front has already read the body whole, within its bound.
            let bytes = axum::body::to_bytes(body, MAX_BODY)
                .await
                .unwrap_or_default();
            let client = basic_credentials(&parts.headers)
                .map(|(id, _)| id)
                .or_else(|| TokenForm::parse(&bytes).claimed_client())
                .unwrap_or_default();
            (Request::from_parts(parts, Body::from(bytes)), client)
        }
        Route::AdminConsent => {
            let client = request
                .uri()
                .query()
                .and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "client_id")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            (request, client)
        }
        r if r.is_graph() => {
            let client = unverified_appid(request.headers()).unwrap_or_default();
            (request, client)
        }
        _ => (request, String::new()),
    }
}

fn fault_response(guard: &Guard, status: u16, retry_after: u64, headers: &HeaderMap) -> Response {
    if guard.route.is_graph() {
        let ctx = GraphCtx::new(headers, guard.origin.base_url.clone());
        fault_reply(status, retry_after, &ctx).into_response(&ctx)
    } else if guard.route.is_arm() {
        crate::arm::fault(status, retry_after)
    } else {
        TokenError::fault(status, retry_after).respond(&correlation_id(headers))
    }
}

/// The middleware; its state names the route it guards. Each answered request joins
/// the portal's recent requests, with its status and latency.
pub(crate) async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let response = answer(&guard, request, next).await;
    guard.recent.record(
        method.as_str(),
        &path,
        guard.route.name(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

async fn answer(guard: &Guard, request: Request, next: Next) -> Response {
    let (traffic, route) = (&guard.traffic, guard.route);
    traffic.stats.count(route);
    let (request, client) = identify(route, request).await;
    if let Some(wait) = traffic.throttle.too_early(&client, route, Instant::now()) {
        traffic.stats.throttled();
        return fault_response(guard, 429, wait, request.headers());
    }
    let decision = traffic.faults.decide(route, true);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    match decision.outcome {
        None => next.run(request).await,
        Some((FaultKind::Drop, _)) => {
            traffic.stats.fault();
            tracing::debug!(route = route.name(), "dropping the connection (fault)");
            if let Some(kill) = request.extensions().get::<ConnectionKill>() {
                kill.fire();
            }
            // The connection task drops this future together with the connection.
            std::future::pending().await
        }
        Some((kind, retry_after)) => {
            traffic.stats.fault();
            let status = kind.status().unwrap_or(503);
            traffic.throttle.record(
                &client,
                route,
                Instant::now() + Duration::from_secs(retry_after),
            );
            fault_response(guard, status, retry_after, request.headers())
        }
    }
}
