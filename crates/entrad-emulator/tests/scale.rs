//! 100,000 users: every page of 999 is served and every user listed exactly once.

use std::collections::HashSet;

use entrad_testkit::InProcess;
use serde_json::Value;

#[tokio::test]
async fn one_hundred_thousand_users_all_listed_once() {
    let h = InProcess::start(100_000).await.unwrap();
    let token = h.token().await;
    let mut url = h.url("/v1.0/users?$top=999");
    let mut ids: HashSet<String> = HashSet::with_capacity(100_000);
    let mut pages = 0;
    loop {
        let response = h.client.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        for user in body["value"].as_array().unwrap() {
            assert!(
                ids.insert(user["id"].as_str().unwrap().to_string()),
                "duplicate {user}"
            );
        }
        pages += 1;
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(ids.len(), 100_000);
    assert_eq!(pages, 101);
    let response = h
        .client
        .get(h.url("/v1.0/users/$count"))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "100000");
}
