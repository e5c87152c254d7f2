//! `GET /v1.0/users` and `GET /v1.0/users/$count`.

use serde::Serialize;

use super::paging;
use super::props::{DEFAULT, UserView, context};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use crate::directories::Directories;
use crate::state::{Directory, User};

/// A page of a collection, in Graph's key order.
#[derive(Serialize)]
pub(crate) struct Page<'a, T: Serialize> {
    #[serde(rename = "@odata.context")]
    pub(crate) context: String,
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    pub(crate) count: Option<usize>,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub(crate) next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", skip_serializing_if = "Option::is_none")]
    pub(crate) delta_link: Option<String>,
    pub(crate) value: &'a [T],
}

fn expired_page_token(ctx: &GraphCtx) -> Reply {
    Reply::error(
        400,
        "Directory_ExpiredPageToken",
        "The specified page token value has expired and can no longer be included in your request.",
        ctx,
    )
}

/// One page of users after the `$skiptoken`'s position (by id, or in `$orderby`'s
/// order), filtered, with a nextLink while more remain.
pub(crate) fn list(directories: &Directories, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    let params = match Params::parse(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    if params.deltatoken.is_some() {
        return Reply::error(
            400,
            "Request_BadRequest",
            "Unrecognized query argument specified: '$deltatoken'.",
            ctx,
        );
    }
    let size = params.page_size(ctx);
    let directory = directories.read_at(ctx.tenant);
    let users = directory.users.all();
    let Some((served, more)) = page(&directory, &params, size) else {
        return expired_page_token(ctx);
    };
    let props = params.select.as_deref().unwrap_or(&DEFAULT);
    let page: Vec<UserView> = served
        .iter()
        .map(|user| UserView {
            user,
            props,
            context: None,
        })
        .collect();
    let count = (params.count && params.skiptoken.is_none()).then(|| {
        if params.filter.is_none() && params.search.is_none() {
            users.len()
        } else {
            users.iter().filter(|u| params.matches(u)).count()
        }
    });
    let next_link = match served.last() {
        Some(last) if more => {
            let token = match &params.orderby {
                Some(order) => order.token(last),
                None => paging::list_token(last.id),
            };
            Some(params.link(ctx, "users", "$skiptoken", &token))
        }
        _ => None,
    };
    Reply::json(
        &Page {
            context: context(&ctx.base, "users", params.select.as_deref(), ""),
            count,
            next_link,
            delta_link: None,
            value: &page,
        },
        ctx,
    )
}

/// Up to `size` users passing the query after its `$skiptoken`, in `$orderby`'s
/// order or else the store's (by id), and whether more follow; `None` for a
/// token this query did not write.
fn page<'a>(
    directory: &'a Directory,
    params: &Params,
    size: usize,
) -> Option<(Vec<&'a User>, bool)> {
    let store = &directory.users;
    let users = store.all();
    let skiptoken = params.skiptoken.as_deref();
    if let Some(order) = &params.orderby {
        let (name, key) = order.ranking();
        let ranked = directory.user_orders.get(name, store.seq(), users, key);
        return order.page(users, &ranked, |u| params.matches(u), skiptoken, size);
    }
    let after = match skiptoken {
        None => None,
        Some(token) => Some(paging::list_after(token)?),
    };
    let mut served = Vec::with_capacity(size.min(users.len()));
    for user in users[store.position_after(after)..]
        .iter()
        .filter(|u| params.matches(u))
    {
        if served.len() == size {
            return Some((served, true));
        }
        served.push(user);
    }
    Some((served, false))
}

/// `/users/$count`: a plain-text number, an advanced query.
pub(crate) fn count(directories: &Directories, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    if !ctx.eventual {
        return Reply::error(
            400,
            "Request_UnsupportedQuery",
            "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
            ctx,
        );
    }
    let params = match Params::parse(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let n = directory
        .users
        .all()
        .iter()
        .filter(|u| params.matches(u))
        .count();
    Reply {
        status: axum::http::StatusCode::OK,
        content_type: "text/plain",
        headers: Vec::new(),
        body: n.to_string().into_bytes(),
    }
}
