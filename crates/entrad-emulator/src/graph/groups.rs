//! `GET /v1.0/groups`, `GET /v1.0/groups/{id}` and `GET /v1.0/groups/{id}/members`.

use serde::ser::{Serialize, SerializeMap, Serializer};
use uuid::Uuid;

use super::group_props::{GROUP_DEFAULT, GroupProp, GroupView};
use super::paging;
use super::props::Selectable;
use super::props::{DEFAULT, Prop, context, user_entries};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use super::users::Page;
use crate::directories::Directories;
use crate::state::{Group, User};

/// Query options of a groups request: no `$filter`, `$search` or `$count` (the
/// emulator serves them for users only), no `$deltatoken` outside delta.
fn list_params<P: Selectable>(query: Option<&str>, ctx: &GraphCtx) -> Result<Params<P>, Reply> {
    let params = Params::parse_of(query, ctx)?;
    if params.filter.is_some()
        || params.search.is_some()
        || params.count
        || params.orderby.is_some()
    {
        return Err(Reply::error(
            400,
            "Request_UnsupportedQuery",
            "Only $select and $top are supported on groups by the emulator.",
            ctx,
        ));
    }
    if params.deltatoken.is_some() {
        return Err(Reply::error(
            400,
            "Request_BadRequest",
            "Unrecognized query argument specified: '$deltatoken'.",
            ctx,
        ));
    }
    Ok(params)
}

/// The id after a list's `$skiptoken` (`None` on the first page).
fn after(params: &Params<impl Selectable>, ctx: &GraphCtx) -> Result<Option<Uuid>, Reply> {
    match params.skiptoken.as_deref() {
        None => Ok(None),
        Some(token) => paging::list_after(token).map(Some).ok_or_else(|| {
            Reply::error(
                400,
                "Directory_ExpiredPageToken",
                "The specified page token value has expired and can no longer be included in your request.",
                ctx,
            )
        }),
    }
}

fn not_found(key: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(
        404,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
        ),
        ctx,
    )
}

fn find<'a>(groups: &'a crate::state::GroupStore, key: &str) -> Option<&'a Group> {
    groups.get(Uuid::parse_str(key).ok()?)
}

/// One page of `items` (sorted by id) after the `$skiptoken`, with a nextLink on
/// `path` while more remain.
fn page_of<'a, T, P: Selectable>(
    items: &'a [T],
    id: impl Fn(&T) -> Uuid,
    params: &Params<P>,
    ctx: &GraphCtx,
    path: &str,
) -> Result<(&'a [T], Option<String>), Reply> {
    let start = match after(params, ctx)? {
        None => 0,
        Some(after) => items.partition_point(|t| id(t) <= after),
    };
    let rest = &items[start..];
    let size = params.page_size(ctx);
    if rest.len() <= size {
        return Ok((rest, None));
    }
    let page = &rest[..size];
    let last = id(&page[size - 1]);
    let link = params.link(ctx, path, "$skiptoken", &paging::list_token(last));
    Ok((page, Some(link)))
}

/// `GET /groups`: a page of groups.
pub(crate) fn list(directories: &Directories, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    let params = match list_params::<GroupProp>(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let (groups, next_link) =
        match page_of(directory.groups.all(), |g| g.id, &params, ctx, "groups") {
            Ok(page) => page,
            Err(reply) => return reply,
        };
    let props = params.select.as_deref().unwrap_or(&GROUP_DEFAULT);
    let value: Vec<GroupView> = groups
        .iter()
        .map(|group| GroupView {
            group,
            props,
            context: None,
            members_delta: None,
        })
        .collect();
    Reply::json(
        &Page {
            context: context(&ctx.base, "groups", params.select.as_deref(), ""),
            count: None,
            next_link,
            delta_link: None,
            value: &value,
        },
        ctx,
    )
}

/// `GET /groups/{id}`.
pub(crate) fn get(
    directories: &Directories,
    ctx: &GraphCtx,
    key: &str,
    query: Option<&str>,
) -> Reply {
    let params = match list_params::<GroupProp>(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let Some(group) = find(&directory.groups, key) else {
        return not_found(key, ctx);
    };
    let context = context(&ctx.base, "groups", params.select.as_deref(), "/$entity");
    Reply::json(
        &GroupView {
            group,
            props: params.select.as_deref().unwrap_or(&GROUP_DEFAULT),
            context: Some(&context),
            members_delta: None,
        },
        ctx,
    )
}

/// A member in a list of directory objects: `@odata.type` first.
struct MemberView<'a> {
    user: &'a User,
    props: &'a [Prop],
}

impl Serialize for MemberView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("@odata.type", "#microsoft.graph.user")?;
        user_entries(&mut map, self.user, self.props)?;
        map.end()
    }
}

/// `GET /groups/{id}/members`: a page of the group's members (users), as
/// directory objects.
pub(crate) fn members(
    directories: &Directories,
    ctx: &GraphCtx,
    key: &str,
    query: Option<&str>,
) -> Reply {
    let params = match list_params::<Prop>(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let Some(group) = find(&directory.groups, key) else {
        return not_found(key, ctx);
    };
    let path = format!("groups/{}/members", group.id);
    let (ids, next_link) = match page_of(&group.members, |id| *id, &params, ctx, &path) {
        Ok(page) => page,
        Err(reply) => return reply,
    };
    let props = params.select.as_deref().unwrap_or(&DEFAULT);
    let value: Vec<MemberView> = ids
        .iter()
        .filter_map(|id| directory.users.get(*id))
        .map(|user| MemberView { user, props })
        .collect();
    Reply::json(
        &Page {
            context: format!("{}/v1.0/$metadata#directoryObjects", ctx.base),
            count: None,
            next_link,
            delta_link: None,
            value: &value,
        },
        ctx,
    )
}
