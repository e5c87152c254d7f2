//! The emulated Microsoft Graph directory API: users, delta and `$batch`.

pub(crate) mod auth;
mod batch;
mod batch_route;
mod check_member_groups;
mod delta;
mod expand;
mod filter;
pub(crate) mod function;
mod group_props;
mod group_writes;
mod groups;
mod groups_delta;
mod listing;
mod orderby;
mod paging;
mod property;
mod props;
mod query;
mod read;
pub(crate) mod reply;
mod search;
mod target;
mod user;
mod user_writes;
mod users;
mod write;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::base_url::Origin;
use crate::faults::Traffic;
use read::GraphRead;
use reply::{GraphCtx, Reply};
use target::Target;
use write::Write;

/// How a list request's query string is refused (status and body), if it is:
/// the parsing `users` does, for the fuzz targets.
pub(crate) fn query_refusal(query: &str, headers: &HeaderMap) -> Option<(u16, Vec<u8>)> {
    let ctx = GraphCtx::new(headers, "https://127.0.0.1:1".into());
    query::Params::parse(Some(query), &ctx)
        .err()
        .map(|reply| (reply.status.as_u16(), reply.body))
}

/// `GET /v1.0/users`.
pub(crate) async fn list_users(read: GraphRead) -> Response {
    read.answer(Target::Users)
}

/// `POST /v1.0/users`.
pub(crate) async fn create_user(read: GraphRead, body: Bytes) -> Response {
    read.write(Write::CreateUser, &body)
}

/// `PATCH /v1.0/users/{id|upn}`.
pub(crate) async fn update_user(Path(key): Path<String>, read: GraphRead, body: Bytes) -> Response {
    read.write(Write::UpdateUser(key), &body)
}

/// `DELETE /v1.0/users/{id|upn}`.
pub(crate) async fn delete_user(Path(key): Path<String>, read: GraphRead) -> Response {
    read.write(Write::DeleteUser(key), &[])
}

/// `GET /v1.0/users/$count`.
pub(crate) async fn count_users(read: GraphRead) -> Response {
    read.answer(Target::Count)
}

/// `GET /v1.0/users/{id}`.
pub(crate) async fn get_user(Path(key): Path<String>, read: GraphRead) -> Response {
    read.answer(Target::User(key))
}

/// `GET /v1.0/users/delta` (and its other OData forms, [`function::paths`]).
pub(crate) async fn users_delta(read: GraphRead) -> Response {
    read.answer(Target::Delta)
}

/// `GET /v1.0/groups`.
pub(crate) async fn list_groups(read: GraphRead) -> Response {
    read.answer(Target::Groups)
}

/// `POST /v1.0/groups`.
pub(crate) async fn create_group(read: GraphRead, body: Bytes) -> Response {
    read.write(Write::CreateGroup, &body)
}

/// `PATCH /v1.0/groups/{id}`.
pub(crate) async fn update_group(
    Path(key): Path<String>,
    read: GraphRead,
    body: Bytes,
) -> Response {
    read.write(Write::UpdateGroup(key), &body)
}

/// `DELETE /v1.0/groups/{id}`.
pub(crate) async fn delete_group(Path(key): Path<String>, read: GraphRead) -> Response {
    read.write(Write::DeleteGroup(key), &[])
}

/// `POST /v1.0/groups/{id}/members/$ref`.
pub(crate) async fn add_group_member(
    Path(key): Path<String>,
    read: GraphRead,
    body: Bytes,
) -> Response {
    read.write(Write::AddMember(key), &body)
}

/// `DELETE /v1.0/groups/{id}/members/{id}/$ref`.
pub(crate) async fn remove_group_member(
    Path((key, member)): Path<(String, String)>,
    read: GraphRead,
) -> Response {
    read.write(Write::RemoveMember(key, member), &[])
}

/// `POST /v1.0/directoryObjects/{id}/checkMemberGroups` (and under `/users/{id|upn}`):
/// a user's memberships, read with a user role and a group role (Graph's permission
/// table for a user: User.Read.All and GroupMember.Read.All, or Directory.Read.All).
pub(crate) async fn check_member_groups(
    Path(key): Path<String>,
    read: GraphRead,
    body: Bytes,
) -> Response {
    read.reply(
        &[&auth::USER_ROLES, &auth::GROUP_ROLES],
        |directories, ctx| check_member_groups::check(directories, ctx, &key, &body),
    )
}

/// `GET /v1.0/groups/$count`.
pub(crate) async fn count_groups(read: GraphRead) -> Response {
    read.answer(Target::GroupCount)
}

/// `GET /v1.0/groups/{id}`.
pub(crate) async fn get_group(Path(key): Path<String>, read: GraphRead) -> Response {
    read.answer(Target::Group(key))
}

/// `GET /v1.0/groups/{id}/members`.
pub(crate) async fn group_members(Path(key): Path<String>, read: GraphRead) -> Response {
    read.answer(Target::GroupMembers(key))
}

/// `GET /v1.0/groups/delta` (and its other OData forms, [`function::paths`]).
pub(crate) async fn groups_delta(read: GraphRead) -> Response {
    read.answer(Target::GroupsDelta)
}

/// `POST /v1.0/$batch`.
pub(crate) async fn batch(
    read: GraphRead,
    State(traffic): State<Traffic>,
    body: Bytes,
) -> Response {
    read.batch(&traffic, &body).await
}

/// Any other `/v1.0/...` path.
pub(crate) async fn unknown_segment(
    State(origin): State<Arc<Origin>>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ctx = GraphCtx::new(&headers, origin.base_url.clone());
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
    State(origin): State<Arc<Origin>>,
    headers: HeaderMap,
) -> Response {
    let ctx = GraphCtx::new(&headers, origin.base_url.clone());
    Reply::error(
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
        &ctx,
    )
    .into_response(&ctx)
}
