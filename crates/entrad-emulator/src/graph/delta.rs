//! `GET /v1.0/users/delta`: a full sync in pages ending with a deltaLink, then only
//! the changes since (changed and new users in full, removed ones as `@removed`).

use std::ops::ControlFlow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use uuid::Uuid;

use super::paging::{self, DeltaCursor, DeltaToken};
use super::property::Field;
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

fn sync_state_not_found<P: Field>(params: &Params<P>, ctx: &GraphCtx, entity: &str) -> Reply {
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
    let (params, ids) = match delta_params(query, ctx) {
        Ok(parsed) => parsed,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let props = item_props(params.select.as_deref(), &DEFAULT);
    let props = props.as_slice();
    round(
        &params,
        ctx,
        "users",
        &directory.sync_epoch,
        &directory.users,
        ids.as_deref(),
        |user, _| UserView {
            user,
            props,
            context: None,
            manager: None,
        },
    )
}

/// The properties of a delta item: `select` (or `default`), with the id first unless
/// selected. user: delta and group: delta: "The *id* property is always returned."
pub(crate) fn item_props<P: Field>(select: Option<&[P]>, default: &[P]) -> Vec<P> {
    match select {
        None => default.to_vec(),
        Some(select) if select.contains(&P::ID) => select.to_vec(),
        Some(select) => std::iter::once(P::ID)
            .chain(select.iter().copied())
            .collect(),
    }
}

/// Answers one delta request on `entity` (`users`, `groups`) kept in `store`,
/// limited to the objects `ids` names if it does: where the round stands, the page
/// of changed objects (as `view` shows them, given the round's `since`) then of
/// removals, and the link to the next page or round.
pub(crate) fn round<'a, P: Field, T: Entry, V: Serialize>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    epoch: &str,
    store: &'a Store<T>,
    ids: Option<&[Uuid]>,
    view: impl Fn(&'a T, Option<u64>) -> V,
) -> Reply {
    let cursor = match round_position(params, epoch, store.seq(), entity, ctx) {
        ControlFlow::Continue(cursor) => cursor,
        ControlFlow::Break(reply) => return reply,
    };
    let wanted = |id: Uuid| ids.is_none_or(|ids| ids.contains(&id));
    let (items, next) = fill(store, &cursor, params.page_size(ctx), wanted, view);
    let (next_link, delta_link) = match next {
        Some(next) => (Some(skip_link(params, ctx, entity, &next)), None),
        None => (None, Some(next_round_link(params, ctx, entity, &cursor))),
    };
    page(params, ctx, entity, next_link, delta_link, &items)
}

/// The most objects a delta `$filter` may name (user: delta, "There is a limit of
/// 50 filtered objects").
const MAX_FILTERED: usize = 50;

/// The query options of a delta request, and the objects its `$filter` limits it
/// to. user: delta: "The only supported `$filter` expression is for tracking changes
/// on a specific object: `$filter=id+eq+{value}`. You can filter multiple objects"
/// (joined by `or`). Other filters, `$search`, `$count`, `$orderby` and `$expand`
/// get live Graph's 400 `Request_UnsupportedQuery` "Unsupported Query." (no page
/// quotes it): a round must not silently ignore them.
pub(crate) fn delta_params<P: Field>(
    query: Option<&str>,
    ctx: &GraphCtx,
) -> Result<(Params<P>, Option<Vec<Uuid>>), Reply> {
    let params = Params::parse_of(query, ctx)?;
    let unsupported = || Reply::error(400, "Request_UnsupportedQuery", "Unsupported Query.", ctx);
    if params.search.is_some()
        || params.count
        || params.orderby.is_some()
        || params.expand.is_some()
    {
        return Err(unsupported());
    }
    let Some(filter) = &params.filter else {
        return Ok((params, None));
    };
    let names = filter.ids().ok_or_else(unsupported)?;
    if names.len() > MAX_FILTERED {
        return Err(Reply::error(
            400,
            "Request_UnsupportedQuery",
            &format!("The number of filtered objects exceeds the limit of {MAX_FILTERED}."),
            ctx,
        ));
    }
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let id = Uuid::parse_str(name).map_err(|_| {
            Reply::error(
                400,
                "Request_BadRequest",
                &format!("Invalid object identifier '{name}'."),
                ctx,
            )
        })?;
        ids.push(id);
    }
    Ok((params, Some(ids)))
}

/// Where this request starts, from its `$skiptoken` (a page of a round),
/// `$deltatoken` (a new round of changes) or neither (a full sync); `Break` when
/// the answer is already known (a bad or stale token, `$deltatoken=latest`).
fn round_position<P: Field>(
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
fn latest<P: Field>(
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
    wanted: impl Fn(Uuid) -> bool,
    view: impl Fn(&'a T, Option<u64>) -> V,
) -> (Vec<Item<'a, V>>, Option<DeltaCursor>) {
    let mut items = Vec::with_capacity(size.min(store.all().len()));
    let mut next = None;
    if cursor.from_tombstone.is_none() {
        next = changed_objects(store, cursor, size, &mut items, &wanted, view);
    }
    if next.is_none()
        && let Some(since) = cursor.since
    {
        next = removals(store, cursor, since, size, &mut items, &wanted);
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
    wanted: &impl Fn(Uuid) -> bool,
    view: impl Fn(&'a T, Option<u64>) -> V,
) -> Option<DeltaCursor> {
    let changed = |object: &&T| {
        wanted(object.id()) && cursor.since.is_none_or(|since| object.changed() > since)
    };
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
    wanted: &impl Fn(Uuid) -> bool,
) -> Option<DeltaCursor> {
    let start = cursor.from_tombstone.unwrap_or(0);
    for (index, tombstone) in store.tombstones().iter().enumerate().skip(start) {
        let reported = wanted(tombstone.id)
            && tombstone.seq > since
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
fn skip_link<P: Field>(
    params: &Params<P>,
    ctx: &GraphCtx,
    entity: &str,
    next: &DeltaCursor,
) -> String {
    let path = format!("{entity}/delta");
    params.link(ctx, &path, "$skiptoken", &paging::encode(next))
}

/// The deltaLink ending a round: the next round reports changes after this one's start.
fn next_round_link<P: Field>(
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
fn page<P: Field, T: Serialize>(
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
