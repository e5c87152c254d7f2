//! Graph `POST /v1.0/$batch`.

use entrad_testkit::InProcess;
use serde_json::{Value, json};

async fn batch(h: &InProcess, token: &str, body: Value) -> (u16, Value) {
    let response = h
        .client
        .post(h.url("/v1.0/$batch"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn by_id(body: &Value, id: &str) -> Value {
    body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn inner_requests_answer_like_their_own_routes() {
    let h = InProcess::start(30).await.unwrap();
    let token = h.token().await;
    let (_, list) = h.get_json("/v1.0/users?$top=1", &token).await;
    let id = list["value"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = batch(&h, &token, json!({ "requests": [
        { "id": "1", "method": "GET", "url": "/users?$select=id&$top=5" },
        { "id": "2", "method": "GET", "url": format!("/users/{id}") },
        { "id": "3", "method": "GET", "url": "/users/00000000-0000-4000-8000-000000000000" },
        { "id": "4", "method": "GET", "url": "/users?$top=2", "dependsOn": ["3"] },
        { "id": "5", "method": "GET", "url": "/users/delta?$select=id" , "dependsOn": ["1"] },
        { "id": "6", "method": "GET", "url": "/users/$count", "headers": { "ConsistencyLevel": "eventual" } },
        { "id": "7", "method": "GET", "url": "/devices" },
        { "id": "8", "method": "DELETE", "url": format!("/users/{id}") },
    ]})).await;
    assert_eq!(status, 200);
    let one = by_id(&body, "1");
    assert_eq!(one["status"], 200);
    assert_eq!(one["body"]["value"].as_array().unwrap().len(), 5);
    assert!(one["body"]["@odata.nextLink"].is_string());
    assert_eq!(by_id(&body, "2")["body"]["id"], id);
    assert_eq!(by_id(&body, "3")["status"], 404);
    assert_eq!(
        by_id(&body, "3")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id(&body, "4")["status"], 424);
    assert_eq!(by_id(&body, "5")["status"], 200);
    assert!(by_id(&body, "5")["body"]["@odata.deltaLink"].is_string());
    assert_eq!(by_id(&body, "6")["body"], 30);
    assert_eq!(by_id(&body, "7")["status"], 400);
    assert_eq!(by_id(&body, "8")["status"], 405);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["batch"], 1);
    assert_eq!(stats["requests"]["user"], 2);
    assert_eq!(stats["requests"]["users-delta"], 1);
}

#[tokio::test]
async fn invalid_batches_are_refused() {
    let h = InProcess::start(1).await.unwrap();
    let token = h.token().await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/users" }))
        .collect();
    let (status, body) = batch(&h, &token, json!({ "requests": many })).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(body["error"]["message"].as_str().unwrap().contains("20"));
    let twenty: Vec<Value> = (0..20)
        .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/users?$top=1" }))
        .collect();
    assert_eq!(
        batch(&h, &token, json!({ "requests": twenty })).await.0,
        200
    );
    let dup = json!({ "requests": [{ "id": "1", "method": "GET", "url": "/users" }, { "id": "1", "method": "GET", "url": "/users" }] });
    assert_eq!(batch(&h, &token, dup).await.0, 400);
    let missing = json!({ "requests": [{ "id": "1", "method": "GET", "url": "/users", "dependsOn": ["9"] }] });
    assert_eq!(batch(&h, &token, missing).await.0, 400);
    assert_eq!(batch(&h, &token, json!({ "nope": [] })).await.0, 400);
    assert_eq!(batch(&h, &token, json!({ "requests": [] })).await.0, 400);
}

#[tokio::test]
async fn batch_needs_a_token_and_inner_requests_need_the_role() {
    let h = InProcess::start(1).await.unwrap();
    let response = h
        .client
        .post(h.url("/v1.0/$batch"))
        .json(&json!({ "requests": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let no_roles = h.token_from("parameters-unconsented.json").await;
    let (status, body) = batch(
        &h,
        &no_roles,
        json!({ "requests": [{ "id": "a", "method": "GET", "url": "/users" }] }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(by_id(&body, "a")["status"], 403);
    assert_eq!(
        by_id(&body, "a")["body"]["error"]["code"],
        "Authorization_RequestDenied"
    );
}

#[tokio::test]
async fn inner_requests_are_throttled_individually() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    let (status, _) = h
        .admin_request(
            reqwest::Method::POST,
            "/faults",
            Some(json!({ "route": "user", "kind": "429", "retry_after": 7, "count": 1 })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = batch(
        &h,
        &token,
        json!({ "requests": [
            { "id": "1", "method": "GET", "url": "/users/nobody@x" },
            { "id": "2", "method": "GET", "url": "/users?$top=1" },
        ]}),
    )
    .await;
    let throttled = by_id(&body, "1");
    assert_eq!(throttled["status"], 429);
    assert_eq!(throttled["headers"]["Retry-After"], "7");
    assert_eq!(throttled["body"]["error"]["code"], "TooManyRequests");
    assert_eq!(by_id(&body, "2")["status"], 200);
}

/// JSON batching: a request id is "Not case-sensitive. Must be unique in the batch,
/// otherwise, the batch request fails with a 400 error code."
#[tokio::test]
async fn request_ids_ignore_case() {
    let h = entrad_testkit::InProcess::start(3).await.unwrap();
    let token = h.token().await;
    let post = |body: serde_json::Value| {
        let (client, url, token) = (h.client.clone(), h.url("/v1.0/$batch"), token.clone());
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (status, body) = post(serde_json::json!({ "requests": [
        { "id": "A", "method": "GET", "url": "/users" },
        { "id": "a", "method": "GET", "url": "/users" },
    ]}))
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(serde_json::json!({ "requests": [
        { "id": "Two", "method": "GET", "url": "/users?$top=1", "dependsOn": ["ONE"] },
        { "id": "one", "method": "GET", "url": "/users?$top=1" },
    ]}))
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 200),
        "{body}"
    );
}
