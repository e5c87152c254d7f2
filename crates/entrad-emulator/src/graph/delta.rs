//! `GET /v1.0/users/delta`: a full sync in pages ending with a deltaLink, then only
//! the changes since (changed and new users in full, removed ones as `@removed`).

use std::ops::ControlFlow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use uuid::Uuid;

use super::paging::{self, DeltaCursor, DeltaToken};
use super::props::{DEFAULT, Prop, UserView, context};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use super::users::Page;
use crate::shared::Shared;
use crate::state::{Directory, Tombstone, User};

/// One entry of a delta page.
enum Item<'a> {
    User(UserView<'a>),
    Removed(&'a Tombstone),
}

impl Serialize for Item<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Item::User(view) => view.serialize(serializer),
            Item::Removed(t) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("id", &t.id)?;
                let reason = if t.permanent { "deleted" } else { "changed" };
                map.serialize_entry("@removed", &serde_json::json!({ "reason": reason }))?;
                map.end()
            }
        }
    }
}

fn sync_state_not_found(params: &Params, ctx: &GraphCtx) -> Reply {
    let fresh = params.plain_link(ctx, "users/delta");
    Reply::error(
        410,
        "syncStateNotFound",
        "The sync state is not found or has expired. Start a new sync round with a request without a delta token.",
        ctx,
    )
    .with_header("location", fresh)
}

/// Answers one delta request: where the round stands, the page of changed users
/// then of removals, and the link to the next page or round.
pub(crate) fn delta(state: &Shared, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    let params = match delta_params(query, ctx) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let directory = state.read();
    let cursor = match round_position(&params, &directory, ctx) {
        ControlFlow::Continue(cursor) => cursor,
        ControlFlow::Break(reply) => return reply,
    };
    let size = params.page_size(ctx);
    let props = params.select.as_deref().unwrap_or(&DEFAULT);
    let mut items = Vec::with_capacity(size.min(directory.users.all().len()));
    let mut next = None;
    if cursor.from_tombstone.is_none() {
        next = changed_users(&directory, &cursor, props, size, &mut items);
    }
    if next.is_none()
        && let Some(since) = cursor.since
    {
        next = removals(&directory, &cursor, since, size, &mut items);
    }
    let (next_link, delta_link) = match next {
        Some(next) => (Some(skip_link(&params, ctx, &next)), None),
        None => (None, Some(next_round_link(&params, ctx, &cursor))),
    };
    page(&params, ctx, next_link, delta_link, &items)
}

/// The query options, limited to the two the emulator serves with delta
/// (`$select`, `$top`): a round must not silently ignore a `$filter` or `$search`.
fn delta_params(query: Option<&str>, ctx: &GraphCtx) -> Result<Params, Reply> {
    let params = Params::parse(query, ctx)?;
    if params.filter.is_some()
        || params.search.is_some()
        || params.count
        || params.orderby.is_some()
    {
        return Err(Reply::error(
            400,
            "Request_UnsupportedQuery",
            "Only $select and $top are supported with delta queries on users by the emulator.",
            ctx,
        ));
    }
    Ok(params)
}

/// Where this request starts, from its `$skiptoken` (a page of a round),
/// `$deltatoken` (a new round of changes) or neither (a full sync); `Break` when
/// the answer is already known (a bad or stale token, `$deltatoken=latest`).
fn round_position(
    params: &Params,
    directory: &Directory,
    ctx: &GraphCtx,
) -> ControlFlow<Reply, DeltaCursor> {
    let epoch = &directory.sync_epoch;
    let seq = directory.users.seq();
    match (&params.skiptoken, &params.deltatoken) {
        (Some(token), _) => match paging::decode::<DeltaCursor>(token) {
            Some(cursor) if &cursor.epoch == epoch => ControlFlow::Continue(cursor),
            Some(_) => ControlFlow::Break(sync_state_not_found(params, ctx)),
            None => ControlFlow::Break(invalid_token("$skiptoken", ctx)),
        },
        (None, Some(token)) if token == "latest" => {
            ControlFlow::Break(latest(params, ctx, epoch, seq))
        }
        (None, Some(token)) => match paging::decode::<DeltaToken>(token) {
            Some(token) if &token.epoch == epoch && token.since <= seq => {
                ControlFlow::Continue(DeltaCursor {
                    epoch: token.epoch,
                    since: Some(token.since),
                    round_start: seq,
                    after_user: None,
                    from_tombstone: None,
                })
            }
            Some(_) => ControlFlow::Break(sync_state_not_found(params, ctx)),
            None => ControlFlow::Break(invalid_token("$deltatoken", ctx)),
        },
        (None, None) => ControlFlow::Continue(DeltaCursor {
            epoch: epoch.clone(),
            since: None,
            round_start: seq,
            after_user: None,
            from_tombstone: None,
        }),
    }
}

/// The 400 for a paging token the emulator did not write.
fn invalid_token(name: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(
        400,
        "Request_BadRequest",
        &format!("The {name} is not valid."),
        ctx,
    )
}

/// `$deltatoken=latest`: no items, only a deltaLink from now on (Graph's way to
/// skip the initial full sync).
fn latest(params: &Params, ctx: &GraphCtx, epoch: &str, seq: u64) -> Reply {
    let token = DeltaToken {
        epoch: epoch.to_owned(),
        since: seq,
    };
    let link = params.link(ctx, "users/delta", "$deltatoken", &paging::encode(&token));
    let empty: [Item; 0] = [];
    page(params, ctx, None, Some(link), &empty)
}

/// Phase 1: users after the cursor's (changed since the round's start, or all in
/// a full sync), up to `size` items; the cursor to resume from when the page is full.
fn changed_users<'a>(
    directory: &'a Directory,
    cursor: &DeltaCursor,
    props: &'a [Prop],
    size: usize,
    items: &mut Vec<Item<'a>>,
) -> Option<DeltaCursor> {
    let changed = |user: &&User| cursor.since.is_none_or(|since| user.changed > since);
    let users = directory.users.all();
    let mut last: Option<Uuid> = None;
    for user in users[directory.users.position_after(cursor.after_user)..]
        .iter()
        .filter(changed)
    {
        if items.len() == size {
            return Some(DeltaCursor {
                after_user: last,
                from_tombstone: None,
                ..cursor.clone()
            });
        }
        last = Some(user.id);
        items.push(Item::User(UserView {
            user,
            props,
            context: None,
        }));
    }
    None
}

/// Phase 2 (rounds of changes only): users removed during `since..=round_start`
/// and not back since, from the cursor's tombstone on; the cursor to resume
/// from when the page is full.
fn removals<'a>(
    directory: &'a Directory,
    cursor: &DeltaCursor,
    since: u64,
    size: usize,
    items: &mut Vec<Item<'a>>,
) -> Option<DeltaCursor> {
    let tombstones = directory.users.tombstones();
    let start = cursor.from_tombstone.unwrap_or(0);
    for (index, tombstone) in tombstones.iter().enumerate().skip(start) {
        let reported = tombstone.seq > since
            && tombstone.seq <= cursor.round_start
            && directory
                .users
                .get(tombstone.id)
                .is_none_or(|user| user.changed < tombstone.seq);
        if !reported {
            continue;
        }
        if items.len() == size {
            return Some(DeltaCursor {
                after_user: None,
                from_tombstone: Some(index),
                ..cursor.clone()
            });
        }
        items.push(Item::Removed(tombstone));
    }
    None
}

/// The nextLink of a round that has more pages.
fn skip_link(params: &Params, ctx: &GraphCtx, next: &DeltaCursor) -> String {
    params.link(ctx, "users/delta", "$skiptoken", &paging::encode(next))
}

/// The deltaLink ending a round: the next round reports changes after this one's start.
fn next_round_link(params: &Params, ctx: &GraphCtx, cursor: &DeltaCursor) -> String {
    let token = DeltaToken {
        epoch: cursor.epoch.clone(),
        since: cursor.round_start,
    };
    params.link(ctx, "users/delta", "$deltatoken", &paging::encode(&token))
}

/// One delta page in Graph's shape.
fn page(
    params: &Params,
    ctx: &GraphCtx,
    next_link: Option<String>,
    delta_link: Option<String>,
    items: &[Item],
) -> Reply {
    Reply::json(
        &Page {
            context: context(&ctx.base, "users", params.select.as_deref(), ""),
            count: None,
            next_link,
            delta_link,
            value: items,
        },
        ctx,
    )
}
