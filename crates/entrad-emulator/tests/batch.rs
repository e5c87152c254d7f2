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
        { "id": "8", "method": "DELETE", "url": "/users" },
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

/// Gives the consented app the user and member write roles besides its read roles.
async fn grant_writes(h: &InProcess) -> String {
    let (status, body) = h
        .admin_request(
            reqwest::Method::POST,
            "/consent",
            Some(json!({
                "client_id": entrad_emulator::CONSENTED_CLIENT_ID,
                "granted": true,
                "roles": ["User.Read.All", "GroupMember.Read.All", "User.ReadWrite.All", "GroupMember.ReadWrite.All"],
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    h.token().await
}

fn new_user(upn: &str) -> Value {
    json!({
        "accountEnabled": true,
        "displayName": "Batched Person",
        "mailNickname": upn.split('@').next().unwrap(),
        "userPrincipalName": upn,
        "passwordProfile": { "password": "xWwvJ]6NMw+bWH-d" },
    })
}

const JSON: &str = "application/json";

/// Writes inside a batch answer as their own routes do (201 with the object, 204 with
/// no body, Graph's errors), in `dependsOn` order, under the same role checks.
#[tokio::test]
async fn writes_answer_like_their_own_routes_in_dependency_order() {
    let h = InProcess::start(20).await.unwrap();
    let read_only = h.token().await;
    let (_, groups) = h.get_json("/v1.0/groups?$top=1", &read_only).await;
    let group = groups["value"][0]["id"].as_str().unwrap().to_string();
    let upn = "batched.person@entrademo.onmicrosoft.com";
    let create_and_add = json!({ "requests": [
        { "id": "add", "method": "POST", "url": format!("/groups/{group}/members/$ref"),
          "dependsOn": ["create"], "headers": { "Content-Type": JSON },
          "body": { "@odata.id": format!("https://graph.microsoft.com/v1.0/users/{upn}") } },
        { "id": "create", "method": "POST", "url": "/users",
          "headers": { "content-type": JSON }, "body": new_user(upn) },
    ]});

    // Read roles only: the write is Graph's 403 inside the batch, its dependant 424.
    let (status, body) = batch(&h, &read_only, create_and_add.clone()).await;
    assert_eq!(status, 200, "{body}");
    let refused = by_id(&body, "create");
    assert_eq!(refused["status"], 403, "{body}");
    assert_eq!(
        refused["body"]["error"]["code"],
        "Authorization_RequestDenied"
    );
    assert_eq!(by_id(&body, "add")["status"], 424, "{body}");
    assert_eq!(
        h.get_json(&format!("/v1.0/users/{upn}"), &read_only)
            .await
            .0,
        404
    );

    let token = grant_writes(&h).await;
    let (status, body) = batch(&h, &token, create_and_add).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["create", "add"], "dependency order: {body}");
    let created = by_id(&body, "create");
    assert_eq!(created["status"], 201, "{body}");
    assert_eq!(created["body"]["userPrincipalName"], upn);
    assert!(
        created["body"].get("passwordProfile").is_none(),
        "{created}"
    );
    let id = created["body"]["id"].as_str().unwrap().to_string();
    assert!(
        created["headers"]["location"]
            .as_str()
            .unwrap()
            .ends_with(&id),
        "{created}"
    );
    let added = by_id(&body, "add");
    assert_eq!(added["status"], 204, "{body}");
    assert_eq!(added["body"], Value::Null, "{added}");
    assert!(added["headers"].get("Content-Type").is_none(), "{added}");
    let (_, members) = h
        .get_json(
            &format!("/v1.0/groups/{group}/members?$select=id&$top=999"),
            &token,
        )
        .await;
    assert!(
        members["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str()),
        "{members}"
    );

    // Errors are the routes' own: a second add 400, a missing user 404, a missing
    // required property 400, and a group write without Group.ReadWrite.All 403.
    let (status, body) = batch(&h, &token, json!({ "requests": [
        { "id": "1", "method": "POST", "url": format!("/groups/{group}/members/$ref"),
          "headers": { "Content-Type": JSON },
          "body": { "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") } },
        { "id": "2", "method": "PATCH", "url": "/users/00000000-0000-4000-8000-000000000000",
          "headers": { "Content-Type": JSON }, "body": { "jobTitle": "x" } },
        { "id": "3", "method": "POST", "url": "/users",
          "headers": { "Content-Type": JSON }, "body": { "displayName": "No Rest" } },
        { "id": "4", "method": "DELETE", "url": format!("/groups/{group}") },
        { "id": "5", "method": "PATCH", "url": format!("/users/{id}"),
          "headers": { "Content-Type": "text/plain" }, "body": "jobTitle=x" },
    ]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(by_id(&body, "1")["status"], 400, "{body}");
    assert_eq!(by_id(&body, "2")["status"], 404, "{body}");
    assert_eq!(
        by_id(&body, "2")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id(&body, "3")["status"], 400, "{body}");
    assert_eq!(
        by_id(&body, "3")["body"]["error"]["message"],
        "A value is required for property 'accountEnabled' of resource 'User'."
    );
    assert_eq!(by_id(&body, "4")["status"], 403, "{body}");
    assert_eq!(by_id(&body, "5")["status"], 400, "{body}");

    // PATCH, member removal and DELETE, each seen by the reads that follow.
    let (status, body) = batch(&h, &token, json!({ "requests": [
        { "id": "patch", "method": "PATCH", "url": format!("/users/{id}"),
          "headers": { "Content-Type": JSON }, "body": { "jobTitle": "Batcher" } },
        { "id": "read", "method": "GET", "url": format!("/users/{id}?$select=jobTitle"), "dependsOn": ["patch"] },
        { "id": "remove", "method": "DELETE", "url": format!("/groups/{group}/members/{id}/$ref"), "dependsOn": ["read"] },
        { "id": "delete", "method": "DELETE", "url": format!("/users/{id}"), "dependsOn": ["remove"] },
        { "id": "gone", "method": "GET", "url": format!("/users/{id}"), "dependsOn": ["delete"] },
    ]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(by_id(&body, "patch")["status"], 204, "{body}");
    assert_eq!(
        by_id(&body, "read")["body"]["jobTitle"],
        "Batcher",
        "{body}"
    );
    assert_eq!(by_id(&body, "remove")["status"], 204, "{body}");
    assert_eq!(by_id(&body, "delete")["status"], 204, "{body}");
    assert_eq!(by_id(&body, "gone")["status"], 404, "{body}");
    let stats = h.stats().await;
    // Each POST /users counted under its own route, refused or not.
    assert_eq!(stats["requests"]["users"], 3, "{stats}");
}

/// JSON batching: "When a body is included with the request, the headers object must
/// contain a value for Content-Type"; a write without it fails the whole batch, and
/// nothing in it runs.
#[tokio::test]
async fn a_write_without_content_type_or_body_fails_the_batch() {
    let h = InProcess::start(3).await.unwrap();
    let token = grant_writes(&h).await;
    let upn = "unsent@entrademo.onmicrosoft.com";
    for write in [
        json!({ "id": "w", "method": "POST", "url": "/users", "body": new_user(upn) }),
        json!({ "id": "w", "method": "POST", "url": "/users", "headers": { "Content-Type": JSON } }),
    ] {
        let (status, body) = batch(
            &h,
            &token,
            json!({ "requests": [
                { "id": "r", "method": "GET", "url": "/users?$top=1" },
                write,
            ]}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "BadRequest");
        assert_eq!(
            body["error"]["message"],
            "Write request id : w does not contain Content-Type header or body."
        );
    }
    assert_eq!(
        h.get_json(&format!("/v1.0/users/{upn}"), &token).await.0,
        404
    );
    assert_eq!(h.stats().await["requests"]["users"], 0);
}
