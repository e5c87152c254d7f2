//! `GET /v1.0/users/delta`: a full sync in pages ending with a deltaLink, then only
//! the changes since (changed and new users in full, removed ones as `@removed`).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use uuid::Uuid;

use super::paging::{self, DeltaCursor, DeltaToken};
use super::props::{DEFAULT, UserView, context};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use super::users::Page;
use crate::shared::Shared;
use crate::state::Tombstone;

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

pub(crate) fn delta(state: &Shared, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    let params = match Params::parse(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    if params.filter.is_some() || params.search.is_some() || params.count {
        return Reply::error(
            400,
            "Request_UnsupportedQuery",
            "Only $select and $top are supported with delta queries on users by the emulator.",
            ctx,
        );
    }
    let directory = state.read();
    let epoch = &directory.sync_epoch;
    let seq = directory.users.seq();
    let cursor = match (&params.skiptoken, &params.deltatoken) {
        (Some(token), _) => match paging::decode::<DeltaCursor>(token) {
            Some(c) if &c.e == epoch => c,
            Some(_) => return sync_state_not_found(&params, ctx),
            None => {
                return Reply::error(
                    400,
                    "Request_BadRequest",
                    "The $skiptoken is not valid.",
                    ctx,
                );
            }
        },
        (None, Some(token)) if token == "latest" => {
            let link = params.link(
                ctx,
                "users/delta",
                "$deltatoken",
                &paging::encode(&DeltaToken {
                    e: epoch.clone(),
                    s: seq,
                }),
            );
            let empty: [Item; 0] = [];
            return Reply::json(
                &Page {
                    context: context(&ctx.base, "users", params.select.as_deref(), ""),
                    count: None,
                    next_link: None,
                    delta_link: Some(link),
                    value: &empty,
                },
                ctx,
            );
        }
        (None, Some(token)) => match paging::decode::<DeltaToken>(token) {
            Some(t) if &t.e == epoch && t.s <= seq => DeltaCursor {
                e: t.e,
                s: Some(t.s),
                n: seq,
                u: None,
                t: None,
            },
            Some(_) => return sync_state_not_found(&params, ctx),
            None => {
                return Reply::error(
                    400,
                    "Request_BadRequest",
                    "The $deltatoken is not valid.",
                    ctx,
                );
            }
        },
        (None, None) => DeltaCursor {
            e: epoch.clone(),
            s: None,
            n: seq,
            u: None,
            t: None,
        },
    };
    let size = params.page_size(ctx);
    let props = params.select.as_deref().unwrap_or(&DEFAULT);
    let users = directory.users.all();
    let mut items: Vec<Item> = Vec::with_capacity(size.min(users.len()));
    let mut next: Option<DeltaCursor> = None;
    if cursor.t.is_none() {
        let changed = |u: &&crate::state::User| cursor.s.is_none_or(|since| u.changed > since);
        let mut last: Option<Uuid> = None;
        for user in users[directory.users.position_after(cursor.u)..]
            .iter()
            .filter(changed)
        {
            if items.len() == size {
                next = Some(DeltaCursor {
                    u: last,
                    t: None,
                    ..cursor.clone()
                });
                break;
            }
            last = Some(user.id);
            items.push(Item::User(UserView {
                user,
                props,
                context: None,
            }));
        }
    }
    if let (None, Some(since)) = (&next, cursor.s) {
        let tombstones = directory.users.tombstones();
        let start = cursor.t.unwrap_or(0);
        for (i, tombstone) in tombstones.iter().enumerate().skip(start) {
            let reported = tombstone.seq > since
                && tombstone.seq <= cursor.n
                && directory
                    .users
                    .get(tombstone.id)
                    .is_none_or(|u| u.changed < tombstone.seq);
            if !reported {
                continue;
            }
            if items.len() == size {
                next = Some(DeltaCursor {
                    u: None,
                    t: Some(i),
                    ..cursor.clone()
                });
                break;
            }
            items.push(Item::Removed(tombstone));
        }
    }
    let (next_link, delta_link) = match next {
        Some(c) => (
            Some(params.link(ctx, "users/delta", "$skiptoken", &paging::encode(&c))),
            None,
        ),
        None => {
            let token = DeltaToken {
                e: cursor.e.clone(),
                s: cursor.n,
            };
            (
                None,
                Some(params.link(ctx, "users/delta", "$deltatoken", &paging::encode(&token))),
            )
        }
    };
    Reply::json(
        &Page {
            context: context(&ctx.base, "users", params.select.as_deref(), ""),
            count: None,
            next_link,
            delta_link,
            value: &items,
        },
        ctx,
    )
}
