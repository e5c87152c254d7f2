use super::*;

#[test]
fn routes_relative_and_absolute_urls() {
    assert!(matches!(route("/users?$top=1"), Ok((Target::Users, Some(q))) if q == "$top=1"));
    assert!(matches!(route("users/delta"), Ok((Target::Delta, None))));
    assert!(
        matches!(route("https://graph.microsoft.com/v1.0/users/a%40b"), Ok((Target::User(k), None)) if k == "a@b")
    );
    assert!(matches!(route("/groups"), Err(s) if s == "groups"));
    assert!(matches!(route("/users/x/manager"), Err(s) if s == "manager"));
}

#[test]
fn plans_dependencies_and_refuses_bad_batches() {
    let ctx = GraphCtx::new(&HeaderMap::new(), "https://x".into());
    let body = serde_json::json!({"requests": [
        {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["1"]},
        {"id": "1", "method": "GET", "url": "/users"}
    ]});
    let order: Vec<String> = plan(body.to_string().as_bytes(), &ctx)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(order, ["1", "2"]);
    let many: Vec<_> = (0..21)
        .map(|i| serde_json::json!({"id": i.to_string(), "method": "GET", "url": "/users"}))
        .collect();
    assert!(
        plan(
            serde_json::json!({"requests": many}).to_string().as_bytes(),
            &ctx
        )
        .is_err()
    );
    let dup = serde_json::json!({"requests": [{"id": "1", "method": "GET", "url": "/users"}, {"id": "1", "method": "GET", "url": "/users"}]});
    assert!(plan(dup.to_string().as_bytes(), &ctx).is_err());
    let cycle = serde_json::json!({"requests": [{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]}, {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["1"]}]});
    assert!(plan(cycle.to_string().as_bytes(), &ctx).is_err());
}
