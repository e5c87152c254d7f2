//! `GET /v1.0/users/{id or userPrincipalName}`.

use super::expand;
use super::props::{DEFAULT, UserView, context};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use super::users::refuse_premium;
use crate::directories::Directories;

pub(crate) fn get(
    directories: &Directories,
    ctx: &GraphCtx,
    key: &str,
    query: Option<&str>,
) -> Reply {
    let params = match Params::parse(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    if let Err(reply) = refuse_premium(&params, ctx) {
        return reply;
    }
    let expand = match expand::option(params.expand.as_deref(), ctx) {
        Ok(expand) => expand,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let Some(user) = directory.users.find(key) else {
        return Reply::error(
            404,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
            ),
            ctx,
        );
    };
    let context = context(&ctx.base, "users", params.select.as_deref(), "/$entity");
    Reply::json(
        &UserView {
            user,
            props: params.select.as_deref().unwrap_or(&DEFAULT),
            context: Some(&context),
            manager: expand.as_ref().map(|e| (&directory.users, e)),
        },
        ctx,
    )
}
