//! `GET /v1.0/users/delta`: a full sync in pages ending with a deltaLink, then only
//! the changes since (changed and new users in full, removed ones as `@removed`).

use std::ops::ControlFlow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use uuid::Uuid;

use super::paging::{self, DeltaCursor, DeltaToken};
use super::props::Selectable;
use super::props::{DEFAULT, UserView, context};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use super::users::Page;
use crate::directories::Directories;
use crate::state::{Entry, Store, Tombstone};

/// One entry of a delta page: an object (its view) or a removal.
enum Item<'a, V> {
    Object(V),
    Removed(&'a Tombstone),
}

impl<V: Serialize> Serialize for Item<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Item::Object(view) => view.serialize(serializer),
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

fn sync_state_not_found<P: Selectable>(params: &Params<P>, ctx: &GraphCtx, entity: &str) -> Reply {
    let fresh = params.plain_link(ctx, &format!("{entity}/delta"));
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
pub(crate) fn delta(directories: &Directories, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    let params = match delta_params(query, ctx, "users") {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let props = params.select.as_deref().unwrap_or(&DEFAULT);
    round(
        &params,
        ctx,
        "users",
        &directory.sync_epoch,
        &directory.users,
        |user, _| UserView {
            user,
            props,
            context: None,
        },
    )
}

/// Answers one delta request on `entity` (`users`, `groups`) kept in `store`: where
/// the round stands, the page of changed objects (as `view` shows them, given the
/// round's `since`) then of removals, and the link to the next page or round.
pub(crate) fn round<'a, P: Selectable, T: Entry, V: Serialize>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    epoch: &str,
    store: &'a Store<T>,
    view: impl Fn(&'a T, Option<u64>) -> V,
) -> Reply {
    let cursor = match round_position(params, epoch, store.seq(), entity, ctx) {
        ControlFlow::Continue(cursor) => cursor,
        ControlFlow::Break(reply) => return reply,
    };
    let (items, next) = fill(store, &cursor, params.page_size(ctx), view);
    let (next_link, delta_link) = match next {
        Some(next) => (Some(skip_link(params, ctx, entity, &next)), None),
        None => (None, Some(next_round_link(params, ctx, entity, &cursor))),
    };
    page(params, ctx, entity, next_link, delta_link, &items)
}

/// The query options, limited to the two the emulator serves with delta
/// (`$select`, `$top`): a round must not silently ignore a `$filter` or `$search`.
pub(crate) fn delta_params<P: Selectable>(
    query: Option<&str>,
    ctx: &GraphCtx,
    entity: &str,
) -> Result<Params<P>, Reply> {
    let params = Params::parse_of(query, ctx)?;
    if params.filter.is_some()
        || params.search.is_some()
        || params.count
        || params.orderby.is_some()
    {
        return Err(Reply::error(
            400,
            "Request_UnsupportedQuery",
            &format!(
                "Only $select and $top are supported with delta queries on {entity} by the emulator."
            ),
            ctx,
        ));
    }
    Ok(params)
}

/// Where this request starts, from its `$skiptoken` (a page of a round),
/// `$deltatoken` (a new round of changes) or neither (a full sync); `Break` when
/// the answer is already known (a bad or stale token, `$deltatoken=latest`).
fn round_position<P: Selectable>(
    params: &Params<P>,
    epoch: &str,
    seq: u64,
    entity: &str,
    ctx: &GraphCtx,
) -> ControlFlow<Reply, DeltaCursor> {
    match (&params.skiptoken, &params.deltatoken) {
        (Some(token), _) => match paging::decode::<DeltaCursor>(token) {
            Some(cursor) if cursor.epoch == epoch => ControlFlow::Continue(cursor),
            Some(_) => ControlFlow::Break(sync_state_not_found(params, ctx, entity)),
            None => ControlFlow::Break(invalid_token("$skiptoken", ctx)),
        },
        (None, Some(token)) if token == "latest" => {
            ControlFlow::Break(latest(params, ctx, entity, epoch, seq))
        }
        (None, Some(token)) => match paging::decode::<DeltaToken>(token) {
            Some(token) if token.epoch == epoch && token.since <= seq => {
                ControlFlow::Continue(DeltaCursor {
                    epoch: token.epoch,
                    since: Some(token.since),
                    round_start: seq,
                    after_user: None,
                    from_tombstone: None,
                })
            }
            Some(_) => ControlFlow::Break(sync_state_not_found(params, ctx, entity)),
            None => ControlFlow::Break(invalid_token("$deltatoken", ctx)),
        },
        (None, None) => ControlFlow::Continue(DeltaCursor {
            epoch: epoch.to_owned(),
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
fn latest<P: Selectable>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    epoch: &str,
    seq: u64,
) -> Reply {
    let token = DeltaToken {
        epoch: epoch.to_owned(),
        since: seq,
    };
    let path = format!("{entity}/delta");
    let link = params.link(ctx, &path, "$deltatoken", &paging::encode(&token));
    let empty: [Item<'_, ()>; 0] = [];
    page(params, ctx, entity, None, Some(link), &empty)
}

/// One page of a round on `store`: changed objects (as `view` shows them), then
/// removals; the cursor to resume from when the page is full.
fn fill<'a, T: Entry, V>(
    store: &'a Store<T>,
    cursor: &DeltaCursor,
    size: usize,
    view: impl Fn(&'a T, Option<u64>) -> V,
) -> (Vec<Item<'a, V>>, Option<DeltaCursor>) {
    let mut items = Vec::with_capacity(size.min(store.all().len()));
    let mut next = None;
    if cursor.from_tombstone.is_none() {
        next = changed_objects(store, cursor, size, &mut items, view);
    }
    if next.is_none()
        && let Some(since) = cursor.since
    {
        next = removals(store, cursor, since, size, &mut items);
    }
    (items, next)
}

/// Phase 1: objects after the cursor's (changed since the round's start, or all in
/// a full sync), up to `size` items; the cursor to resume from when the page is full.
fn changed_objects<'a, T: Entry, V>(
    store: &'a Store<T>,
    cursor: &DeltaCursor,
    size: usize,
    items: &mut Vec<Item<'a, V>>,
    view: impl Fn(&'a T, Option<u64>) -> V,
) -> Option<DeltaCursor> {
    let changed = |object: &&T| cursor.since.is_none_or(|since| object.changed() > since);
    let mut last: Option<Uuid> = None;
    for object in store.all()[store.position_after(cursor.after_user)..]
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
        last = Some(object.id());
        items.push(Item::Object(view(object, cursor.since)));
    }
    None
}

/// Phase 2 (rounds of changes only): objects removed during `since..=round_start`
/// and not back since, from the cursor's tombstone on; the cursor to resume
/// from when the page is full.
fn removals<'a, T: Entry, V>(
    store: &'a Store<T>,
    cursor: &DeltaCursor,
    since: u64,
    size: usize,
    items: &mut Vec<Item<'a, V>>,
) -> Option<DeltaCursor> {
    let start = cursor.from_tombstone.unwrap_or(0);
    for (index, tombstone) in store.tombstones().iter().enumerate().skip(start) {
        let reported = tombstone.seq > since
            && tombstone.seq <= cursor.round_start
            && store
                .get(tombstone.id)
                .is_none_or(|object| object.changed() < tombstone.seq);
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
fn skip_link<P: Selectable>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    next: &DeltaCursor,
) -> String {
    let path = format!("{entity}/delta");
    params.link(ctx, &path, "$skiptoken", &paging::encode(next))
}

/// The deltaLink ending a round: the next round reports changes after this one's start.
fn next_round_link<P: Selectable>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    cursor: &DeltaCursor,
) -> String {
    let token = DeltaToken {
        epoch: cursor.epoch.clone(),
        since: cursor.round_start,
    };
    let path = format!("{entity}/delta");
    params.link(ctx, &path, "$deltatoken", &paging::encode(&token))
}

/// One delta page of `entity` (`users`, `groups`) in Graph's shape.
fn page<P: Selectable, T: Serialize>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    next_link: Option<String>,
    delta_link: Option<String>,
    items: &[T],
) -> Reply {
    Reply::json(
        &Page {
            context: context(&ctx.base, entity, params.select.as_deref(), ""),
            count: None,
            next_link,
            delta_link,
            value: items,
        },
        ctx,
    )
}
