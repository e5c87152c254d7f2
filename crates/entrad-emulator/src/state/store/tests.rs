use super::*;

fn user(n: u128, upn: &str) -> User {
    serde_json::from_value(serde_json::json!({
        "id": Uuid::from_u128(n), "userPrincipalName": upn
    }))
    .unwrap()
}

#[test]
fn finds_by_id_and_upn_and_pages_after_an_id() {
    let mut s = UserStore::new(vec![user(3, "c@x"), user(1, "a@x"), user(2, "b@x")]);
    assert_eq!(s.find("B@X").unwrap().id, Uuid::from_u128(2));
    assert_eq!(
        s.find(&Uuid::from_u128(3).to_string())
            .unwrap()
            .user_principal_name
            .as_ref(),
        "c@x"
    );
    assert_eq!(s.position_after(Some(Uuid::from_u128(1))), 1);
    assert!(s.remove_at(Uuid::from_u128(2), false, 1));
    assert!(!s.remove_at(Uuid::from_u128(2), false, 2));
    s.upsert_at(user(9, "z@x"), 3);
    assert_eq!(s.seq(), 3);
    assert_eq!(s.all().len(), 3);
    assert_eq!(s.tombstones().len(), 1);
}
