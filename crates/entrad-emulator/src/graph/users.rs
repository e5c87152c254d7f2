//! `GET /v1.0/users` and `GET /v1.0/users/$count`.

use serde::Serialize;

use super::expand;
use super::listing;
use super::props::{DEFAULT, Prop, UserView, context};
use super::query::Params;
use super::reply::{GraphCtx, Reply};
use crate::directories::Directories;

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

/// Graph's answer to a `$skiptoken` the query did not write.
pub(crate) fn expired_page_token(ctx: &GraphCtx) -> Reply {
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
    if let Err(reply) = refuse_premium(&params, ctx).and_then(|()| refuse_single_only(&params, ctx))
    {
        return reply;
    }
    let expand = match expand::option(params.expand.as_deref(), ctx) {
        Ok(expand) => expand,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    let Some(listed) = listing::list(
        &directory.users,
        &directory.user_orders,
        &params,
        ctx,
        "users",
    ) else {
        return expired_page_token(ctx);
    };
    let props = params.select.as_deref().unwrap_or(&DEFAULT);
    let page: Vec<UserView> = listed
        .served
        .iter()
        .map(|user| UserView {
            user,
            props,
            context: None,
            manager: expand.as_ref().map(|e| (&directory.users, e)),
        })
        .collect();
    Reply::json(
        &Page {
            context: context(&ctx.base, "users", params.select.as_deref(), ""),
            count: listed.count,
            next_link: listed.next_link,
            delta_link: None,
            value: &page,
        },
        ctx,
    )
}

/// `signInActivity` in `$select` or `$filter`: List users, Example 11, "require an
/// Azure AD Premium P1/P2 license and the AuditLog.Read.All permission". The
/// emulated tenant has no premium licence, so Graph's 403 for such a tenant (seen
/// live and tested for by public code; no page quotes it) answers.
pub(crate) fn refuse_premium(params: &Params, ctx: &GraphCtx) -> Result<(), Reply> {
    let selected = params
        .select
        .as_ref()
        .is_some_and(|s| s.contains(&Prop::SignInActivity));
    let filtered = params
        .filter
        .as_ref()
        .is_some_and(|f| f.mentions(Prop::SignInActivity));
    if selected || filtered {
        return Err(Reply::error(
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
            ctx,
        ));
    }
    Ok(())
}

/// List users: "Attempting to use `$select` on the `/users` collection to retrieve
/// properties that cannot be returned within a user collection (for example, the
/// request `../users?$select=aboutMe`) returns a `501 Not Implemented` error code";
/// the body is the one the delta query overview shows for `skills`.
fn refuse_single_only(params: &Params, ctx: &GraphCtx) -> Result<(), Reply> {
    let listed = params
        .select
        .as_ref()
        .is_some_and(|s| s.iter().any(|p| matches!(p, Prop::SingleOnly(_))));
    if listed {
        return Err(Reply::error(
            501,
            "NotImplemented",
            "This operation target is not yet supported.",
            ctx,
        ));
    }
    Ok(())
}

/// The `$count` segment without `ConsistencyLevel: eventual`, as the advanced query
/// page answers it ("Error handling for advanced queries", an example of 2021). Live
/// Graph has been seen to answer `Request_UnsupportedQuery` "Raw count (/$count) is
/// not supported because the 'ConsistencyLevel:eventual' header is missing..."; no
/// page documents that text and no client branches on either, so the page is followed.
pub(crate) fn count_refused(ctx: &GraphCtx) -> Reply {
    Reply::error(
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
        ctx,
    )
}

/// `/users/$count`: a plain-text number, an advanced query.
pub(crate) fn count(directories: &Directories, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    if !ctx.eventual {
        return count_refused(ctx);
    }
    let params = match Params::parse(query, ctx) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    plain_count(listing::count(&directory.users, &params))
}

/// A `/$count` answer: the number as plain text.
pub(crate) fn plain_count(n: usize) -> Reply {
    Reply {
        status: axum::http::StatusCode::OK,
        content_type: Some("text/plain"),
        headers: Vec::new(),
        body: n.to_string().into_bytes(),
    }
}
