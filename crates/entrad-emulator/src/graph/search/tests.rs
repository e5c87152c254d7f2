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
