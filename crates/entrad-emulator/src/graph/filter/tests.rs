use super::*;

fn user() -> User {
    serde_json::from_value(serde_json::json!({
        "id": "00000000-0000-0000-0000-000000000001",
        "userPrincipalName": "adele.vance@x.test",
        "displayName": "Adele Vance",
        "jobTitle": "Designer",
        "accountEnabled": false,
    }))
    .unwrap()
}

#[test]
fn evaluates_basic_and_advanced_filters() {
    let u = user();
    let check = |f: &str| {
        let (filter, advanced) = Filter::parse(f).unwrap();
        (filter.matches(&u), advanced)
    };
    assert_eq!(check("displayName eq 'adele vance'"), (true, false));
    assert_eq!(check("startswith(displayName,'Ad')"), (true, false));
    assert_eq!(
        check("startsWith(userPrincipalName, 'bob')"),
        (false, false)
    );
    assert_eq!(
        check("accountEnabled eq false and jobTitle in ('Designer','CEO')"),
        (true, false)
    );
    assert_eq!(check("displayName ne 'x'"), (true, true));
    assert_eq!(check("endswith(mail,'@x.test')"), (false, true));
    assert_eq!(
        check("not (startswith(displayName,'B') or mail eq null)"),
        (false, true)
    );
    assert_eq!(check("givenName eq 'O''Brien'"), (false, false));
}

#[test]
fn refuses_bad_filters() {
    assert!(matches!(
        Filter::parse("displayName eqq 'a'"),
        Err(FilterError::Syntax(_))
    ));
    assert!(matches!(
        Filter::parse("startswith(displayName,'a'"),
        Err(FilterError::Syntax(_))
    ));
    assert!(matches!(
        Filter::parse("displayName eq 'a"),
        Err(FilterError::Syntax(_))
    ));
    assert_eq!(
        Filter::parse("shoeSize eq '4'"),
        Err(FilterError::Property("shoeSize".into()))
    );
    assert!(matches!(
        Filter::parse("displayName eq 'a' junk"),
        Err(FilterError::Syntax(_))
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Untrusted `$filter` text: an answer (Ok or a 400), never a panic.
    #[test]
    fn prop_filter_parse_never_panics(
        input in proptest::prop_oneof![
            proptest::prelude::any::<String>(),
            "[ a-zA-Z()',.0-9/-]{0,40}",
            "(startswith\\(displayName,'[a-z' ]{0,5}|accountEnabled eq |id in \\(|not |and |or |'|\\)| ){0,12}",
        ]
    ) {
        let _ = Filter::parse(&input);
    }
}
