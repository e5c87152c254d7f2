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

#[test]
fn nesting_up_to_the_limit_parses_and_deeper_is_a_syntax_error() {
    let nested = |levels: usize| {
        format!(
            "{}displayName eq 'Adele Vance'{}",
            "(".repeat(levels),
            ")".repeat(levels)
        )
    };
    let (filter, _) = Filter::parse(&nested(MAX_DEPTH)).unwrap();
    assert!(filter.matches(&user()));
    for levels in [MAX_DEPTH + 1, 3000] {
        match Filter::parse(&nested(levels)) {
            Err(FilterError::Syntax(message)) => {
                assert!(message.contains("100 levels"), "{message}")
            }
            other => panic!("{levels} levels: {other:?}"),
        }
    }
    let nots = format!("{}displayName eq 'x'", "not ".repeat(3000));
    assert!(matches!(Filter::parse(&nots), Err(FilterError::Syntax(_))));
}

#[test]
fn a_chain_of_more_comparisons_than_the_limit_is_a_syntax_error() {
    let chain = |n: usize| vec!["displayName eq 'x'"; n].join(" and ");
    assert!(Filter::parse(&chain(MAX_COMPARISONS)).is_ok());
    match Filter::parse(&chain(70_000)) {
        Err(FilterError::Syntax(message)) => {
            assert!(message.contains("1000 comparisons"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}
