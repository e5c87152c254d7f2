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
        Some("$top=5&$select=id,displayName&$filter=startswith(displayName,'A b')&$skiptoken=zz"),
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
