//! `POST /v1.0/directoryObjects/{id}/checkMemberGroups` (also under `/users/{id|upn}`):
//! which of up to 20 groups a user is a member of, what `az ad group member check`
//! asks. Memberships are direct only in the emulator, so the transitive answer Graph
//! gives is the direct one.

use serde_json::{Value, json};
use uuid::Uuid;

use super::reply::{GraphCtx, Reply};
use super::user_writes::{body_object, refused};
use crate::directories::Directories;
use crate::state::ChangeError;

/// Graph's limit on `groupIds` in one request.
const MAX_GROUPS: usize = 20;

/// The ids among the body's `groupIds` of the groups user `key` is a member of, in
/// the order given.
pub(crate) fn check(directories: &Directories, ctx: &GraphCtx, key: &str, body: &[u8]) -> Reply {
    let fields = match body_object(body, ctx) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    let Some(ids) = fields
        .get("groupIds")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect::<Vec<_>>())
    else {
        return Reply::error(
            400,
            "Request_BadRequest",
            "A value is required for property 'groupIds' of resource 'checkMemberGroups'.",
            ctx,
        );
    };
    if ids.len() > MAX_GROUPS {
        // The page's limit; the text is the emulator's.
        return Reply::error(
            400,
            "Request_BadRequest",
            &format!("At most {MAX_GROUPS} groupIds may be checked in one request."),
            ctx,
        );
    }
    let directory = directories.read_at(ctx.tenant);
    let Some(user) = directory.users.find(key) else {
        return refused(ChangeError::NotFound, key, ctx);
    };
    let value: Vec<&str> = ids
        .into_iter()
        .filter(|id| {
            Uuid::parse_str(id)
                .ok()
                .and_then(|id| directory.groups.get(id))
                .is_some_and(|group| group.members.binary_search(&user.id).is_ok())
        })
        .collect();
    Reply::json(
        &json!({
            "@odata.context": format!("{}/v1.0/$metadata#Collection(Edm.String)", ctx.base),
            "value": value,
        }),
        ctx,
    )
}
