//! `POST /v1.0/users`, `PATCH` and `DELETE /v1.0/users/{id|upn}`: directory writes
//! applied through the same [`Directory`] methods as the admin API, so delta rounds,
//! `$filter` and the portal see them.

use serde_json::{Map, Value};

use super::props::{DEFAULT, UserView, context};
use super::reply::{GraphCtx, Reply};
use crate::state::{ChangeError, Directory, User};

/// Any of these application permissions allows creating, changing and deleting users
/// (Graph's permission reference for Create, Update and Delete user).
pub(crate) const USER_WRITE_ROLES: [&str; 2] = ["User.ReadWrite.All", "Directory.ReadWrite.All"];

/// The OData type of a user.
const USER_TYPE: &str = "microsoft.graph.user";

/// Create user: the properties Graph requires, in the order it checks them.
const REQUIRED: [&str; 5] = [
    "accountEnabled",
    "displayName",
    "mailNickname",
    "userPrincipalName",
    "passwordProfile",
];

/// Accepted on writes but not kept: the password is never returned, and
/// `mailNickname` is derived from the UPN ([`User::mail_nickname`]).
const WRITE_ONLY: [&str; 2] = ["passwordProfile", "mailNickname"];

pub(super) fn body_object(body: &[u8], ctx: &GraphCtx) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Reply::error(
            400,
            "BadRequest",
            "Write request id : Empty Payload. JSON content expected.",
            ctx,
        )),
    }
}

/// A write's JSON object for an entity of OData type `entity` (`microsoft.graph.user`):
/// an `@odata.type` naming that type, which Microsoft's SDKs send with every object
/// (`"#microsoft.graph.user"`), is taken out; one naming another type is a 400
/// (the emulator's text).
pub(super) fn entity_body(
    body: &[u8],
    entity: &str,
    ctx: &GraphCtx,
) -> Result<Map<String, Value>, Reply> {
    let mut fields = body_object(body, ctx)?;
    match fields.remove("@odata.type") {
        None => Ok(fields),
        Some(Value::String(named)) if named.trim_start_matches('#') == entity => Ok(fields),
        Some(named) => Err(Reply::error(
            400,
            "Request_BadRequest",
            &format!("Invalid '@odata.type' value {named} for type '{entity}'."),
            ctx,
        )),
    }
}

pub(super) fn refused(error: ChangeError, key: &str, ctx: &GraphCtx) -> Reply {
    match error {
        ChangeError::NotFound => Reply::error(
            404,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
            ),
            ctx,
        ),
        ChangeError::Invalid(message) => Reply::error(400, "Request_BadRequest", &message, ctx),
    }
}

pub(super) fn saved(directory: &Directory) {
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the state: {e}");
    }
}

/// The first of `required` that `fields` lacks, as Graph's 400 for a `resource`.
pub(super) fn require(
    fields: &Map<String, Value>,
    required: &[&str],
    resource: &str,
    ctx: &GraphCtx,
) -> Result<(), Reply> {
    match required
        .iter()
        .find(|name| fields.get(**name).is_none_or(Value::is_null))
    {
        Some(missing) => Err(Reply::error(
            400,
            "Request_BadRequest",
            &format!("A value is required for property '{missing}' of resource '{resource}'."),
            ctx,
        )),
        None => Ok(()),
    }
}

/// Create user: 201 with the user's default properties, or Graph's 400 for the first
/// required property missing.
pub(crate) fn create(directory: &mut Directory, ctx: &GraphCtx, body: &[u8]) -> Reply {
    let mut fields = match entity_body(body, USER_TYPE, ctx) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    if let Err(reply) = require(&fields, &REQUIRED, "User", ctx) {
        return reply;
    }
    for name in WRITE_ONLY.iter().chain(&["id"]) {
        fields.remove(*name);
    }
    let user: User = match serde_json::from_value(Value::Object(fields)) {
        Ok(user) => user,
        Err(e) => return Reply::error(400, "Request_BadRequest", &e.to_string(), ctx),
    };
    let user = match directory.add_user(user) {
        Ok(user) => user,
        Err(e) => return refused(e, "", ctx),
    };
    saved(directory);
    let context = context::<super::props::Prop>(&ctx.base, "users", None, "/$entity");
    let reply = Reply::json(
        &UserView {
            user: &user,
            props: &DEFAULT,
            context: Some(&context),
            manager: None,
        },
        ctx,
    );
    created(reply, format!("{}/v1.0/users/{}", ctx.base, user.id))
}

/// A 201 answer with the created entity's JSON and its `Location`.
pub(super) fn created(mut reply: Reply, location: String) -> Reply {
    if reply.status.is_success() {
        reply.status = axum::http::StatusCode::CREATED;
        reply = reply.with_header("location", location);
    }
    reply
}

/// Update user: 204 once the given properties are changed.
pub(crate) fn update(directory: &mut Directory, ctx: &GraphCtx, key: &str, body: &[u8]) -> Reply {
    let mut fields = match entity_body(body, USER_TYPE, ctx) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    for name in WRITE_ONLY {
        fields.remove(name);
    }
    match directory.patch_user(key, fields) {
        Ok(_) => {
            saved(directory);
            Reply::no_content()
        }
        Err(e) => refused(e, key, ctx),
    }
}

/// Delete user: 204; the user goes to deleted items, as delta then reports it.
pub(crate) fn delete(directory: &mut Directory, ctx: &GraphCtx, key: &str) -> Reply {
    match directory.remove_user(key, false) {
        Ok(_) => {
            saved(directory);
            Reply::no_content()
        }
        Err(e) => refused(e, key, ctx),
    }
}
