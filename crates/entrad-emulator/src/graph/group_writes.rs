//! `POST /v1.0/groups`, `PATCH`/`DELETE /v1.0/groups/{id}` and the members' `$ref`
//! (`POST /groups/{id}/members/$ref`, `DELETE /groups/{id}/members/{id}/$ref`),
//! through the same [`Directory`] methods as the admin API.

use serde_json::Value;

use super::group_props::{GROUP_DEFAULT, GroupView};
use super::props::context;
use super::reply::{GraphCtx, Reply};
use super::user_writes::{body_object, created, entity_body, refused, require, saved};
use crate::state::{Directory, Group};

/// Create, update and delete group (Graph's permission reference; `Group.Create`
/// is not emulated).
pub(crate) const GROUP_WRITE_ROLES: [&str; 2] = ["Group.ReadWrite.All", "Directory.ReadWrite.All"];
/// Add and remove members.
pub(crate) const MEMBER_WRITE_ROLES: [&str; 3] = [
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];

/// The OData type of a group.
const GROUP_TYPE: &str = "microsoft.graph.group";

/// Create group: the properties Graph requires.
const REQUIRED: [&str; 4] = [
    "displayName",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
];

/// Create group: 201 with the group's default properties.
pub(crate) fn create(directory: &mut Directory, ctx: &GraphCtx, body: &[u8]) -> Reply {
    let mut fields = match entity_body(body, GROUP_TYPE, ctx) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    if let Err(reply) = require(&fields, &REQUIRED, "Group", ctx) {
        return reply;
    }
    fields.remove("id");
    let group: Group = match serde_json::from_value(Value::Object(fields)) {
        Ok(group) => group,
        Err(e) => return Reply::error(400, "Request_BadRequest", &e.to_string(), ctx),
    };
    let group = match directory.add_group(group, &[]) {
        Ok(group) => group,
        Err(e) => return refused(e, "", ctx),
    };
    saved(directory);
    let context = context::<super::group_props::GroupProp>(&ctx.base, "groups", None, "/$entity");
    let reply = Reply::json(
        &GroupView {
            group: &group,
            props: &GROUP_DEFAULT,
            context: Some(&context),
            members_delta: None,
        },
        ctx,
    );
    created(reply, format!("{}/v1.0/groups/{}", ctx.base, group.id))
}

/// Update group: 204.
pub(crate) fn update(directory: &mut Directory, ctx: &GraphCtx, key: &str, body: &[u8]) -> Reply {
    let fields = match entity_body(body, GROUP_TYPE, ctx) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    match directory.patch_group(key, fields) {
        Ok(_) => {
            saved(directory);
            Reply::no_content()
        }
        Err(e) => refused(e, key, ctx),
    }
}

/// Delete group: 204; delta reports it removed.
pub(crate) fn delete(directory: &mut Directory, ctx: &GraphCtx, key: &str) -> Reply {
    match directory.remove_group(key, false) {
        Ok(_) => {
            saved(directory);
            Reply::no_content()
        }
        Err(e) => refused(e, key, ctx),
    }
}

/// Add member: `{"@odata.id": ".../directoryObjects/{id}"}`, 204; Graph's 400 when
/// the user already is a member.
pub(crate) fn add_member(
    directory: &mut Directory,
    ctx: &GraphCtx,
    group: &str,
    body: &[u8],
) -> Reply {
    let fields = match body_object(body, ctx) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    let Some(member) = fields
        .get("@odata.id")
        .and_then(Value::as_str)
        .and_then(|link| link.trim_end_matches('/').rsplit('/').next())
        .map(String::from)
    else {
        return Reply::error(
            400,
            "Request_BadRequest",
            "Invalid object identifier ''.",
            ctx,
        );
    };
    match directory.change_member(group, &member, true) {
        Ok(true) => {
            saved(directory);
            Reply::no_content()
        }
        Ok(false) => Reply::error(
            400,
            "Request_BadRequest",
            "One or more added object references already exist for the following modified properties: 'members'.",
            ctx,
        ),
        Err(e) => refused(e, group, ctx),
    }
}

/// Remove member: 204; 404 when the user is not a member.
pub(crate) fn remove_member(
    directory: &mut Directory,
    ctx: &GraphCtx,
    group: &str,
    member: &str,
) -> Reply {
    match directory.change_member(group, member, false) {
        Ok(true) => {
            saved(directory);
            Reply::no_content()
        }
        Ok(false) => refused(crate::state::ChangeError::NotFound, member, ctx),
        Err(e) => refused(e, group, ctx),
    }
}
