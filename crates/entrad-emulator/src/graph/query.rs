//! OData query options of Graph list requests, validated as Graph validates them,
//! and the links (`@odata.nextLink`, `@odata.deltaLink`) that carry them on.

use super::filter::{Filter, FilterError};
use super::orderby::{OrderBy, OrderByError};
use super::props::{Prop, Selectable};
use super::reply::{GraphCtx, Reply};
use super::search::Search;

/// Page size when the client asks for none.
pub(crate) const DEFAULT_PAGE: usize = 100;
/// The largest `$top` Graph accepts for users.
pub(crate) const MAX_PAGE: usize = 999;

/// The query options of one request, selecting properties of `P` (users by default).
#[derive(Debug)]
pub(crate) struct Params<P = Prop> {
    pub(crate) select: Option<Vec<P>>,
    pub(crate) top: Option<usize>,
    pub(crate) filter: Option<Filter>,
    pub(crate) search: Option<Search>,
    pub(crate) orderby: Option<OrderBy>,
    pub(crate) count: bool,
    pub(crate) skiptoken: Option<String>,
    pub(crate) deltatoken: Option<String>,
    /// Every option but the paging tokens, encoded, to carry into links.
    kept: Vec<String>,
    /// Whether `$filter` is an advanced query (needs `ConsistencyLevel: eventual`).
    advanced_filter: bool,
}

/// Characters left as they are in link query values (besides alphanumerics):
/// what Graph itself leaves readable in its links.
fn encode_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~,()'*$:@/;".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A 400 `Request_BadRequest`.
fn bad_request(message: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(400, "Request_BadRequest", message, ctx)
}

/// A 400 `Request_UnsupportedQuery`.
fn unsupported(message: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(400, "Request_UnsupportedQuery", message, ctx)
}

/// Whether a query parameter is the application's own, not an OData option:
/// Graph passes those through untouched (and so do links). Graph reads the
/// common options without their `$` too.
fn is_custom(key: &str, name: &str) -> bool {
    !key.starts_with('$')
        && !matches!(
            name,
            "select" | "top" | "filter" | "count" | "search" | "orderby"
        )
}

/// `$select`: known properties, each once; `None` for an empty list.
fn parse_select<P: Selectable>(value: &str, ctx: &GraphCtx) -> Result<Option<Vec<P>>, Reply> {
    let mut props = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let prop = P::parse(item).ok_or_else(|| {
            bad_request(
                &format!(
                    "Could not find a property named '{item}' on type '{}'.",
                    P::TYPE
                ),
                ctx,
            )
        })?;
        if !props.contains(&prop) {
            props.push(prop);
        }
    }
    Ok((!props.is_empty()).then_some(props))
}

/// `$top`: an integer from 1 to [`MAX_PAGE`], refused as Graph refuses it.
fn parse_top(value: &str, ctx: &GraphCtx) -> Result<usize, Reply> {
    let top = value.trim().parse::<i64>().map_err(|_| {
        Reply::error(400, "BadRequest", &format!("Invalid value '{value}' for $top query option found. The $top query option requires a non-negative integer value."), ctx)
    })?;
    if !(1..=MAX_PAGE as i64).contains(&top) {
        return Err(unsupported(
            &format!(
                "Invalid page size specified: '{top}'. Must be between 1 and {MAX_PAGE} inclusive."
            ),
            ctx,
        ));
    }
    Ok(top as usize)
}

/// `$filter`, and whether it is an advanced query; errors in Graph's words.
fn parse_filter(value: &str, ctx: &GraphCtx) -> Result<(Filter, bool), Reply> {
    Filter::parse(value).map_err(|error| match error {
        FilterError::Syntax(detail) => Reply::error(
            400,
            "BadRequest",
            &format!("Invalid filter clause: {detail}."),
            ctx,
        ),
        FilterError::Property(p) => unsupported(
            &format!("Unsupported or invalid query filter clause specified for property '{p}' of resource 'User'."),
            ctx,
        ),
    })
}

/// `$orderby`: one user property, `asc` or `desc`; whether Graph sorts by it is
/// decided with the other options ([`Params::check_consistency`]).
fn parse_orderby(value: &str, ctx: &GraphCtx) -> Result<OrderBy, Reply> {
    OrderBy::parse(value).map_err(|error| match error {
        OrderByError::UnknownProperty(p) => bad_request(
            &format!("Could not find a property named '{p}' on type 'microsoft.graph.user'."),
            ctx,
        ),
        OrderByError::Syntax => unsupported(SORTING_NOT_SUPPORTED, ctx),
    })
}

/// Graph's refusal of a sort combined with options it cannot sort under.
const SORTING_NOT_SUPPORTED: &str = "Sorting not supported for current query.";

/// `$count`: `true` or `false` only.
fn parse_count(value: &str, ctx: &GraphCtx) -> Result<bool, Reply> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_request(
            &format!("Invalid value '{value}' for $count query option."),
            ctx,
        )),
    }
}

/// What became of one query parameter.
enum Applied {
    /// An option links carry on to the next page.
    Kept,
    /// A paging token: each link sets its own.
    Token,
}

impl Params {
    /// Parses and validates the query string of a users request (`None`: no query).
    pub(crate) fn parse(raw: Option<&str>, ctx: &GraphCtx) -> Result<Params, Reply> {
        Params::parse_of(raw, ctx)
    }

    /// Whether a user passes `$filter` and `$search`.
    pub(crate) fn matches(&self, user: &crate::state::User) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(user))
            && self.search.as_ref().is_none_or(|s| s.matches(user))
    }
}

impl<P: Selectable> Params<P> {
    /// Parses and validates the query string of a request on `P`'s type.
    pub(crate) fn parse_of(raw: Option<&str>, ctx: &GraphCtx) -> Result<Params<P>, Reply> {
        let mut params = Params {
            select: None,
            top: None,
            filter: None,
            search: None,
            orderby: None,
            count: false,
            skiptoken: None,
            deltatoken: None,
            kept: Vec::new(),
            advanced_filter: false,
        };
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let name = key.trim_start_matches('$').to_ascii_lowercase();
            let applied = if is_custom(&key, &name) {
                Applied::Kept
            } else {
                params.apply(&name, &key, &value, ctx)?
            };
            if let Applied::Kept = applied {
                params
                    .kept
                    .push(format!("{}={}", encode_value(&key), encode_value(&value)));
            }
        }
        // Later pages carry the options of a first page that passed these checks;
        // clients that drop the header while following nextLink are not refused.
        if params.skiptoken.is_none() {
            params.check_consistency(ctx)?;
        }
        Ok(params)
    }

    /// Records the OData option `name` (`key` as sent) or refuses it as Graph does.
    fn apply(
        &mut self,
        name: &str,
        key: &str,
        value: &str,
        ctx: &GraphCtx,
    ) -> Result<Applied, Reply> {
        match name {
            "select" => {
                if let Some(props) = parse_select(value, ctx)? {
                    self.select = Some(props);
                }
            }
            "top" => self.top = Some(parse_top(value, ctx)?),
            "filter" => {
                let (filter, advanced) = parse_filter(value, ctx)?;
                self.filter = Some(filter);
                self.advanced_filter = advanced;
            }
            "count" => self.count = parse_count(value, ctx)?,
            "search" => {
                self.search = Some(Search::parse(value).map_err(|m| bad_request(&m, ctx))?);
            }
            "skiptoken" => {
                self.skiptoken = Some(value.to_owned());
                return Ok(Applied::Token);
            }
            "deltatoken" => {
                self.deltatoken = Some(value.to_owned());
                return Ok(Applied::Token);
            }
            "skip" => return Err(bad_request("'$skip' is not supported by the service.", ctx)),
            "orderby" => self.orderby = Some(parse_orderby(value, ctx)?),
            "expand" => {
                return Err(unsupported(
                    "Expand is not supported by the emulator for users.",
                    ctx,
                ));
            }
            "format" => {}
            _ => {
                return Err(bad_request(
                    &format!("Unrecognized query argument specified: '{key}'."),
                    ctx,
                ));
            }
        }
        Ok(Applied::Kept)
    }

    /// The options Graph serves only as advanced queries (`ConsistencyLevel:
    /// eventual`, and `$count=true` for advanced filters), refused without.
    fn check_consistency(&self, ctx: &GraphCtx) -> Result<(), Reply> {
        if self.search.is_some() && !ctx.eventual {
            return Err(unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                ctx,
            ));
        }
        if self.count && !ctx.eventual {
            return Err(unsupported(
                "Request with $count query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                ctx,
            ));
        }
        if self.advanced_filter && !(ctx.eventual && self.count) {
            return Err(unsupported(
                "Operator 'ne', 'not', 'endsWith' or a comparison with null in $filter is an advanced query: it needs the header 'ConsistencyLevel: eventual' and $count=true.",
                ctx,
            ));
        }
        self.check_orderby(ctx)
    }

    /// `$orderby` by the default properties works alone or with `$search`; other
    /// properties, and any sort with `$filter`, need an advanced query
    /// (`ConsistencyLevel: eventual` and `$count=true`, or `$search`).
    fn check_orderby(&self, ctx: &GraphCtx) -> Result<(), Reply> {
        let Some(order) = &self.orderby else {
            return Ok(());
        };
        let advanced_query = ctx.eventual && (self.count || self.search.is_some());
        if let Some(message) = order.refusal(advanced_query) {
            return Err(unsupported(&message, ctx));
        }
        if self.filter.is_some() && !advanced_query {
            return Err(unsupported(SORTING_NOT_SUPPORTED, ctx));
        }
        Ok(())
    }

    /// The page size: `$top`, else `Prefer: odata.maxpagesize`, else the default.
    pub(crate) fn page_size(&self, ctx: &GraphCtx) -> usize {
        self.top
            .or(ctx.max_page_size)
            .unwrap_or(DEFAULT_PAGE)
            .clamp(1, MAX_PAGE)
    }

    /// `{base}/v1.0/{path}?{kept options}&{token_name}={token}`.
    pub(crate) fn link(&self, ctx: &GraphCtx, path: &str, token_name: &str, token: &str) -> String {
        let mut query = self.kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        format!(
            "{}/v1.0/{path}?{query}{token_name}={}",
            ctx.base,
            encode_value(token)
        )
    }

    /// `{base}/v1.0/{path}` with the kept options but no paging token.
    pub(crate) fn plain_link(&self, ctx: &GraphCtx, path: &str) -> String {
        if self.kept.is_empty() {
            format!("{}/v1.0/{path}", ctx.base)
        } else {
            format!("{}/v1.0/{path}?{}", ctx.base, self.kept.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(eventual: bool) -> GraphCtx {
        let mut headers = axum::http::HeaderMap::new();
        if eventual {
            headers.insert("ConsistencyLevel", "eventual".parse().unwrap());
        }
        GraphCtx::new(&headers, "https://127.0.0.1:1".into())
    }

    fn message(reply: Reply) -> (u16, String) {
        let v: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        (
            reply.status.as_u16(),
            v["error"]["message"].as_str().unwrap().to_string(),
        )
    }

    #[test]
    fn top_bounds_and_links_keep_options() {
        let (status, msg) = message(Params::parse(Some("$top=1000"), &ctx(false)).unwrap_err());
        assert_eq!(status, 400);
        assert_eq!(
            msg,
            "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
        );
        assert!(Params::parse(Some("$top=0"), &ctx(false)).is_err());
        let p = Params::parse(
            Some(
                "$top=5&$select=id,displayName&$filter=startswith(displayName,'A b')&$skiptoken=zz",
            ),
            &ctx(false),
        )
        .unwrap();
        assert_eq!(p.skiptoken.as_deref(), Some("zz"));
        assert_eq!(
            p.link(&ctx(false), "users", "$skiptoken", "abc"),
            "https://127.0.0.1:1/v1.0/users?$top=5&$select=id,displayName&$filter=startswith(displayName,'A%20b')&$skiptoken=abc"
        );
    }

    #[test]
    fn count_search_and_advanced_filters_need_eventual() {
        assert!(Params::parse(Some("$count=true"), &ctx(false)).is_err());
        assert!(
            Params::parse(Some("$count=true"), &ctx(true))
                .unwrap()
                .count
        );
        assert!(Params::parse(Some("$search=\"displayName:a\""), &ctx(false)).is_err());
        assert!(Params::parse(Some("$filter=displayName ne 'a'"), &ctx(true)).is_err());
        assert!(Params::parse(Some("$filter=displayName ne 'a'&$count=true"), &ctx(true)).is_ok());
        let (_, msg) = message(Params::parse(Some("$select=shoeSize"), &ctx(false)).unwrap_err());
        assert_eq!(
            msg,
            "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."
        );
        assert!(Params::parse(Some("$skip=3"), &ctx(false)).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted query strings: Ok or a Graph error reply, never a panic.
        #[test]
        fn prop_query_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "((\\$top|\\$select|\\$filter|\\$search|\\$count|\\$skiptoken|\\$orderby|x)=[a-zA-Z0-9%,'() \"$-]{0,8}&?){0,6}",
            ],
            eventual in proptest::prelude::any::<bool>(),
        ) {
            let _ = Params::parse(Some(&input), &ctx(eventual));
        }
    }
}
