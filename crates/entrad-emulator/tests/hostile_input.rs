//! Input meant to break the emulator: filters nested thousands of levels deep, JSON
//! and JWS nested past serde_json's recursion limit, bodies over the size limit.
//! Each is refused with the service's own error, and the emulator keeps serving.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entrad_testkit::InProcess;
use serde_json::{Value, json};

/// Enough nesting to overflow a worker thread's stack in a recursive descent parser.
const DEEP: usize = 3000;
/// Twice the emulator's body limit (1 MiB).
const HUGE: usize = 2 << 20;

fn nested_filter() -> String {
    format!("{}displayName eq 'x'{}", "(".repeat(DEEP), ")".repeat(DEEP))
}

async fn still_serves(h: &InProcess, token: &str) {
    let (status, body) = h.get_json("/v1.0/users?$top=1", token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_filter_nested_thousands_deep_in_the_url_is_a_bad_request() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    // Parentheses as they are (about 6 KB), as a hand-written URL has them.
    let filter = nested_filter().replace(' ', "%20");
    let url = url::Url::parse(&h.url(&format!("/v1.0/users?$filter={filter}"))).unwrap();
    assert!(url.as_str().len() > 6000 && url.as_str().len() < 7000);
    let response = h.client.get(url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BadRequest", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("100 levels"), "{message}");
    still_serves(&h, &token).await;
}

#[tokio::test]
async fn a_filter_nested_thousands_deep_in_a_batch_is_a_bad_inner_request() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/users?$filter={}", nested_filter())},
        {"id": "2", "method": "GET", "url": "/users?$top=1"},
    ]});
    let response = h
        .client
        .post(h.url("/v1.0/$batch"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let inner = |id: &str| {
        answer["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(inner("1")["status"], 400, "{answer}");
    assert_eq!(inner("1")["body"]["error"]["code"], "BadRequest");
    assert_eq!(inner("2")["status"], 200);
    still_serves(&h, &token).await;
}

#[tokio::test]
async fn json_nested_past_serde_jsons_limit_is_refused_not_fatal() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    let deep_json = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));

    let batch = h
        .client
        .post(h.url("/v1.0/$batch"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!("{{\"requests\":{deep_json}}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 400);
    let body: Value = batch.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BadRequest", "{body}");

    // A JWS whose header is deeply nested JSON: Graph's 401, as for any bad token.
    let segment = URL_SAFE_NO_PAD.encode(format!("{{\"a\":{deep_json}}}"));
    let jws = format!("{segment}.{segment}.c2ln");
    let (status, body) = h.get_json("/v1.0/users", &jws).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");

    let nested_admin = h
        .client
        .post(h.url("/_emulator/faults"))
        .bearer_auth(h.emulator.admin_token().unwrap())
        .body(deep_json.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(nested_admin.status(), 400);
    still_serves(&h, &token).await;
}

#[tokio::test]
async fn a_token_request_over_the_limit_is_413_not_a_missing_grant_type() {
    let h = InProcess::start(1).await.unwrap();
    let padding = "a".repeat(HUGE);
    let response = h
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("padding", padding.as_str()),
        ])
        .await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains("1048576 bytes"), "{description}");

    // Without a Content-Length (chunked), the limit is found while reading.
    let chunks = (0..HUGE / 65536)
        .map(|_| Ok::<_, std::io::Error>(vec![b'a'; 65536]))
        .collect::<Vec<_>>();
    let streamed = h
        .client
        .post(h.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    let body: Value = streamed.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");

    assert_eq!(
        h.secret_token_request("parameters.json").await.status(),
        200
    );
}

#[tokio::test]
async fn graph_and_admin_bodies_over_the_limit_are_413_in_their_shapes() {
    let h = InProcess::start(1).await.unwrap();
    let token = h.token().await;
    let huge = format!("{{\"requests\":[],\"pad\":\"{}\"}}", "a".repeat(HUGE));
    let graph = h
        .client
        .post(h.url("/v1.0/$batch"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(graph.status(), 413);
    assert!(graph.headers().contains_key("request-id"));
    let body: Value = graph.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RequestEntityTooLarge", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1048576 bytes")
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());

    let admin = h
        .client
        .post(h.url("/_emulator/users"))
        .bearer_auth(h.emulator.admin_token().unwrap())
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 413);
    let body: Value = admin.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RequestEntityTooLarge", "{body}");
    still_serves(&h, &token).await;
}
