//! OData query options of Graph list requests, validated as Graph validates them,
//! and the links (`@odata.nextLink`, `@odata.deltaLink`) that carry them on.

use super::filter::{Filter, FilterError};
use super::props::Prop;
use super::reply::{GraphCtx, Reply};
use super::search::Search;

/// Page size when the client asks for none.
pub(crate) const DEFAULT_PAGE: usize = 100;
/// The largest `$top` Graph accepts for users.
pub(crate) const MAX_PAGE: usize = 999;

/// The query options of one request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub(crate) select: Option<Vec<Prop>>,
    pub(crate) top: Option<usize>,
    pub(crate) filter: Option<Filter>,
    pub(crate) search: Option<Search>,
    pub(crate) count: bool,
    pub(crate) skiptoken: Option<String>,
    pub(crate) deltatoken: Option<String>,
    /// Every option but the paging tokens, encoded, to carry into links.
    kept: Vec<String>,
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

impl Params {
    /// Parses and validates the query string (`None`: no query).
    pub(crate) fn parse(raw: Option<&str>, ctx: &GraphCtx) -> Result<Params, Reply> {
        let mut params = Params::default();
        let bad = |message: &str| Reply::error(400, "Request_BadRequest", message, ctx);
        let unsupported =
            |message: &str| Reply::error(400, "Request_UnsupportedQuery", message, ctx);
        let mut advanced_filter = false;
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let name = key.trim_start_matches('$').to_ascii_lowercase();
            if !key.starts_with('$')
                && !matches!(
                    name.as_str(),
                    "select" | "top" | "filter" | "count" | "search"
                )
            {
                params
                    .kept
                    .push(format!("{}={}", encode_value(&key), encode_value(&value)));
                continue;
            }
            match name.as_str() {
                "select" => {
                    let mut props = Vec::new();
                    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        let prop = Prop::parse(item).ok_or_else(|| {
                            bad(&format!("Could not find a property named '{item}' on type 'microsoft.graph.user'."))
                        })?;
                        if !props.contains(&prop) {
                            props.push(prop);
                        }
                    }
                    if !props.is_empty() {
                        params.select = Some(props);
                    }
                }
                "top" => {
                    let top = value.trim().parse::<i64>().map_err(|_| {
                        Reply::error(400, "BadRequest", &format!("Invalid value '{value}' for $top query option found. The $top query option requires a non-negative integer value."), ctx)
                    })?;
                    if !(1..=MAX_PAGE as i64).contains(&top) {
                        return Err(unsupported(&format!(
                            "Invalid page size specified: '{top}'. Must be between 1 and {MAX_PAGE} inclusive."
                        )));
                    }
                    params.top = Some(top as usize);
                }
                "filter" => match Filter::parse(&value) {
                    Ok((filter, advanced)) => {
                        params.filter = Some(filter);
                        advanced_filter = advanced;
                    }
                    Err(FilterError::Syntax(detail)) => {
                        return Err(Reply::error(
                            400,
                            "BadRequest",
                            &format!("Invalid filter clause: {detail}."),
                            ctx,
                        ));
                    }
                    Err(FilterError::Property(p)) => {
                        return Err(unsupported(&format!(
                            "Unsupported or invalid query filter clause specified for property '{p}' of resource 'User'."
                        )));
                    }
                },
                "count" => match value.as_ref() {
                    "true" => params.count = true,
                    "false" => params.count = false,
                    _ => {
                        return Err(bad(&format!(
                            "Invalid value '{value}' for $count query option."
                        )));
                    }
                },
                "search" => params.search = Some(Search::parse(&value).map_err(|m| bad(&m))?),
                "skiptoken" => {
                    params.skiptoken = Some(value.into_owned());
                    continue;
                }
                "deltatoken" => {
                    params.deltatoken = Some(value.into_owned());
                    continue;
                }
                "skip" => return Err(bad("'$skip' is not supported by the service.")),
                "orderby" => return Err(unsupported("Sorting not supported for current query.")),
                "expand" => {
                    return Err(unsupported(
                        "Expand is not supported by the emulator for users.",
                    ));
                }
                "format" => {}
                _ => {
                    return Err(bad(&format!(
                        "Unrecognized query argument specified: '{key}'."
                    )));
                }
            }
            params
                .kept
                .push(format!("{}={}", encode_value(&key), encode_value(&value)));
        }
        // Later pages carry the options of a first page that passed these checks;
        // clients that drop the header while following nextLink are not refused.
        if params.skiptoken.is_some() {
            return Ok(params);
        }
        if params.search.is_some() && !ctx.eventual {
            return Err(unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        if params.count && !ctx.eventual {
            return Err(unsupported(
                "Request with $count query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        if advanced_filter && !(ctx.eventual && params.count) {
            return Err(unsupported(
                "Operator 'ne', 'not', 'endsWith' or a comparison with null in $filter is an advanced query: it needs the header 'ConsistencyLevel: eventual' and $count=true.",
            ));
        }
        Ok(params)
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

    /// Whether a user passes `$filter` and `$search`.
    pub(crate) fn matches(&self, user: &crate::state::User) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(user))
            && self.search.as_ref().is_none_or(|s| s.matches(user))
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
