//! The emulated Microsoft Graph directory API: users, delta and `$batch`.

pub(crate) mod auth;
mod batch;
mod delta;
mod filter;
pub(crate) mod function;
mod group_props;
mod groups;
mod groups_delta;
mod orderby;
mod paging;
mod props;
mod query;
pub(crate) mod reply;
mod search;
mod user;
mod users;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::route::Route;
use crate::shared::{AppState, BaseUrl, Shared};
use reply::{GraphCtx, Reply};

/// What a Graph GET asks for.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Users,
    Count,
    User(String),
    Delta,
    Groups,
    Group(String),
    GroupMembers(String),
    GroupsDelta,
}

impl Target {
    pub(crate) fn route(&self) -> Route {
        match self {
            Target::Users | Target::Count => Route::Users,
            Target::User(_) => Route::User,
            Target::Delta => Route::UsersDelta,
            Target::Groups => Route::Groups,
            Target::Group(_) => Route::Group,
            Target::GroupMembers(_) => Route::GroupMembers,
            Target::GroupsDelta => Route::GroupsDelta,
        }
    }

    /// The application permissions that allow this read (any one of them).
    pub(crate) fn roles(&self) -> &'static [&'static str] {
        match self {
            Target::Users | Target::Count | Target::User(_) | Target::Delta => &auth::USER_ROLES,
            Target::Groups | Target::Group(_) | Target::GroupMembers(_) | Target::GroupsDelta => {
                &auth::GROUP_ROLES
            }
        }
    }
}

/// Answers an authorized GET.
pub(crate) fn run(state: &Shared, ctx: &GraphCtx, target: &Target, query: Option<&str>) -> Reply {
    match target {
        Target::Users => users::list(state, ctx, query),
        Target::Count => users::count(state, ctx, query),
        Target::User(key) => user::get(state, ctx, key, query),
        Target::Delta => delta::delta(state, ctx, query),
        Target::Groups => groups::list(state, ctx, query),
        Target::Group(key) => groups::get(state, ctx, key, query),
        Target::GroupMembers(key) => groups::members(state, ctx, key, query),
        Target::GroupsDelta => groups_delta::delta(state, ctx, query),
    }
}

/// How a list request's query string is refused (status and body), if it is:
/// the parsing `users` does, for the fuzz targets.
pub(crate) fn query_refusal(query: &str, headers: &HeaderMap) -> Option<(u16, Vec<u8>)> {
    let ctx = GraphCtx::new(headers, "https://127.0.0.1:1".into());
    query::Params::parse(Some(query), &ctx)
        .err()
        .map(|reply| (reply.status.as_u16(), reply.body))
}

/// An injected (or early-retry) 429/503/504, in Graph's shape, with `Retry-After`.
pub(crate) fn fault_reply(status: u16, retry_after: u64, ctx: &GraphCtx) -> Reply {
    let (code, message) = match status {
        429 => ("TooManyRequests", "Please retry again later."),
        503 => (
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry again later.",
        ),
        _ => (
            "GatewayTimeout",
            "The gateway did not receive a response in time. Please retry again later.",
        ),
    };
    Reply::error(status, code, message, ctx).with_header("retry-after", retry_after.to_string())
}

fn serve(
    state: &Shared,
    base: String,
    headers: &HeaderMap,
    target: Target,
    query: Option<String>,
) -> Response {
    let mut ctx = GraphCtx::new(headers, base);
    let reply = match auth::authenticate(state, headers, &ctx)
        .and_then(|caller| caller.require_any(target.roles(), &ctx).map(|()| caller))
    {
        Ok(caller) => {
            ctx.tenant = caller.tenant;
            run(state, &ctx, &target, query.as_deref())
        }
        Err(reply) => reply,
    };
    reply.into_response(&ctx)
}

/// `GET /v1.0/users`.
pub(crate) async fn list_users(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::Users, query)
}

/// `GET /v1.0/users/$count`.
pub(crate) async fn count_users(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::Count, query)
}

/// `GET /v1.0/users/{id}`.
pub(crate) async fn get_user(
    State(state): State<AppState>,
    Path(key): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::User(key), query)
}

/// `GET /v1.0/users/delta`.
pub(crate) async fn users_delta(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::Delta, query)
}

/// `GET /v1.0/groups`.
pub(crate) async fn list_groups(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::Groups, query)
}

/// `GET /v1.0/groups/{id}`.
pub(crate) async fn get_group(
    State(state): State<AppState>,
    Path(key): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::Group(key), query)
}

/// `GET /v1.0/groups/{id}/members`.
pub(crate) async fn group_members(
    State(state): State<AppState>,
    Path(key): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::GroupMembers(key), query)
}

/// `GET /v1.0/groups/delta` (and its other OData forms, [`function::paths`]).
pub(crate) async fn groups_delta(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&state, base, &headers, Target::GroupsDelta, query)
}

/// `POST /v1.0/$batch`: the token is checked once; roles per inner request.
pub(crate) async fn batch(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = GraphCtx::new(&headers, base);
    let reply = match auth::authenticate(&state, &headers, &ctx) {
        Ok(caller) => batch::execute(&state, &ctx, &caller, &body).await,
        Err(reply) => reply,
    };
    reply.into_response(&ctx)
}

/// Any other `/v1.0/...` path.
pub(crate) async fn unknown_segment(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ctx = GraphCtx::new(&headers, state.base_url.clone());
    let rest = rest.trim_start_matches('/');
    let segment = match rest.strip_prefix("users/") {
        Some(after) => after.split('/').nth(1).unwrap_or(after),
        None => rest.split('/').next().unwrap_or(rest),
    };
    Reply::error(
        400,
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
        &ctx,
    )
    .into_response(&ctx)
}

/// A Graph route called with a method it does not serve.
pub(crate) async fn method_not_allowed(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    let ctx = GraphCtx::new(&headers, state.base_url.clone());
    Reply::error(
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
        &ctx,
    )
    .into_response(&ctx)
}
