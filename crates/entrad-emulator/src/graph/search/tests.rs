use super::*;

#[test]
fn word_prefix_search() {
    let u: User = serde_json::from_value(serde_json::json!({
        "userPrincipalName": "adele.vance@x.test", "displayName": "Adele Vance"
    }))
    .unwrap();
    assert!(Search::parse("\"displayName:van\"").unwrap().matches(&u));
    assert!(!Search::parse("\"displayName:ance\"").unwrap().matches(&u));
    assert!(Search::parse("\"displayName:zz\" OR \"mail:ad\"").is_ok());
    assert!(
        !Search::parse("\"displayName:zz\" AND \"displayName:ad\"")
            .unwrap()
            .matches(&u)
    );
    assert!(Search::parse("displayName:zz").is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Untrusted `$search` text: Ok or Err, never a panic.
    #[test]
    fn prop_search_parse_never_panics(
        input in proptest::prop_oneof![
            proptest::prelude::any::<String>(),
            "(\"|displayName:|mail:| OR | AND |[a-z]{1,3}| ){0,12}",
        ]
    ) {
        let _ = Search::parse(&input);
    }
}
