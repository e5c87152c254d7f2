//! Injected faults, one test per kind, and Graph's early-retry throttling.

use std::time::{Duration, Instant};

use entrad_emulator::FaultSpec;
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

async fn add_fault(h: &InProcess, fault: Value) -> u64 {
    let (status, body) = h.admin_request(Method::POST, "/faults", Some(fault)).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_u64().unwrap()
}

/// An emulator with `users` users, a token of the consented app, then `fault`
/// added (and its id).
async fn with_fault(users: usize, fault: Value) -> (InProcess, String, u64) {
    let h = InProcess::start(users).await.unwrap();
    let token = h.token().await;
    let id = add_fault(&h, fault).await;
    (h, token, id)
}

#[tokio::test]
async fn graph_429_with_retry_after_for_the_next_n_requests() {
    let (h, token, _) = with_fault(
        3,
        json!({ "route": "users", "kind": "429", "retry_after": 0, "count": 2 }),
    )
    .await;
    for _ in 0..2 {
        let response = h.get("/v1.0/users", &token).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "0");
        assert!(response.headers().contains_key("request-id"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "TooManyRequests");
        assert_eq!(body["error"]["message"], "Please retry again later.");
        assert!(body["error"]["innerError"]["request-id"].is_string());
    }
    assert_eq!(h.get("/v1.0/users", &token).await.status(), 200);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["users"], 3);
    assert_eq!(stats["faults"], 2);
    assert_eq!(
        h.admin_request(Method::GET, "/faults", None).await.1["faults"],
        json!([])
    );
}

#[tokio::test]
async fn graph_503_and_504() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    for (kind, code) in [("503", "ServiceUnavailable"), ("504", "GatewayTimeout")] {
        add_fault(
            &h,
            json!({ "route": "user", "kind": kind, "retry_after": 0, "count": 1 }),
        )
        .await;
        let response = h.get("/v1.0/users/anyone@x", &token).await;
        assert_eq!(response.status().as_str(), kind);
        assert_eq!(response.headers()["retry-after"], "0");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code);
    }
    assert_eq!(h.get("/v1.0/users/anyone@x", &token).await.status(), 404);
}

#[tokio::test]
async fn token_endpoint_faults_use_the_token_service_shape() {
    let h = InProcess::start(1).await.unwrap();
    for kind in ["429", "503", "504"] {
        add_fault(
            &h,
            json!({ "route": "token", "kind": kind, "retry_after": 0, "count": 1 }),
        )
        .await;
        let response = h.secret_token_request("parameters.json").await;
        assert_eq!(response.status().as_str(), kind);
        assert_eq!(response.headers()["retry-after"], "0");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "temporarily_unavailable");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS")
        );
        assert!(body["error_codes"].is_array());
    }
    assert_eq!(
        h.secret_token_request("parameters.json").await.status(),
        200
    );
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let (h, token, _) = with_fault(
        1,
        json!({ "route": "users", "kind": "latency", "latency_ms": 300, "count": 1 }),
    )
    .await;
    let started = Instant::now();
    assert_eq!(h.get("/v1.0/users", &token).await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let (h, token, _) =
        with_fault(1, json!({ "route": "users", "kind": "drop", "count": 1 })).await;
    let fresh = entrad_testkit::https_client(h.emulator.ca_file()).unwrap();
    let error = fresh
        .get(h.url("/v1.0/users"))
        .bearer_auth(&token)
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(
        error.is_request() || error.is_connect() || error.to_string().contains("connection"),
        "{error:?}"
    );
    assert_eq!(
        fresh
            .get(h.url("/v1.0/users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(h.stats().await["faults"], 1);
}

#[tokio::test]
async fn rate_faults_fire_on_a_share_of_requests() {
    let (h, token, id) = with_fault(
        1,
        json!({ "route": "*", "kind": "503", "retry_after": 0, "rate": 1.0 }),
    )
    .await;
    for path in ["/v1.0/users", "/v1.0/users/delta"] {
        assert_eq!(h.get(path, &token).await.status(), 503);
    }
    assert_eq!(
        h.admin_status(Method::DELETE, &format!("/faults/{id}"), None)
            .await,
        204
    );
    add_fault(
        &h,
        json!({ "route": "jwks", "kind": "503", "retry_after": 0, "rate": 0.5 }),
    )
    .await;
    let mut failed = 0;
    for _ in 0..200 {
        let r = h
            .client
            .get(h.url(&format!("/{}/discovery/v2.0/keys", h.emulator.tenant_id())))
            .send()
            .await
            .unwrap();
        if r.status() == 503 {
            failed += 1;
        }
    }
    assert!(failed > 0 && failed < 200, "{failed} of 200");
    let (_, list) = h.admin_request(Method::GET, "/faults", None).await;
    assert_eq!(list["faults"][0]["fired"], failed);
    assert_eq!(h.admin_status(Method::DELETE, "/faults", None).await, 204);
    assert_eq!(h.get("/v1.0/users", &token).await.status(), 200);
}

#[tokio::test]
async fn a_client_retrying_before_retry_after_is_throttled_again() {
    let h = InProcess::start(1).await.unwrap();
    let token = h.token().await;
    let other = h.token_from("parameters-unconsented.json").await;
    add_fault(
        &h,
        json!({ "route": "users", "kind": "429", "retry_after": 1, "count": 1 }),
    )
    .await;
    let first = h.get("/v1.0/users", &token).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "1");
    let early = h.get("/v1.0/users", &token).await;
    assert_eq!(early.status(), 429, "retried before Retry-After");
    assert_eq!(early.headers()["retry-after"], "1");
    // Another client is not affected (it gets its own 403).
    assert_eq!(h.get("/v1.0/users", &other).await.status(), 403);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(h.get("/v1.0/users", &token).await.status(), 200);
    let stats = h.stats().await;
    assert_eq!(stats["throttled"], 1);
    assert_eq!(stats["requests"]["users"], 4);
}

#[tokio::test]
async fn faults_from_flags_at_start() {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut config = entrad_testkit::config(dir.path(), 1);
    config.faults = vec![
        "token:503:count=1:retry_after=0"
            .parse::<FaultSpec>()
            .unwrap(),
        "openid-configuration:latency:latency_ms=50"
            .parse()
            .unwrap(),
    ];
    let h = InProcess::start_with(config, dir).await.unwrap();
    let (_, list) = h.admin_request(Method::GET, "/faults", None).await;
    assert_eq!(list["faults"].as_array().unwrap().len(), 2);
    assert_eq!(
        h.secret_token_request("parameters.json").await.status(),
        503
    );
    assert_eq!(
        h.secret_token_request("parameters.json").await.status(),
        200
    );
    let started = Instant::now();
    let r = h
        .client
        .get(h.url(&format!(
            "/{}/v2.0/.well-known/openid-configuration",
            h.emulator.tenant_id()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn invalid_faults_are_refused() {
    let h = InProcess::start(1).await.unwrap();
    for bad in [
        json!({ "route": "nope", "kind": "429" }),
        json!({ "route": "users", "kind": "418" }),
        json!({ "route": "users", "kind": "429", "count": 1, "rate": 0.5 }),
        json!({ "route": "users", "kind": "429", "rate": 1.5 }),
        json!({ "kind": "429" }),
    ] {
        let (status, body) = h.admin_request(Method::POST, "/faults", Some(bad)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].is_string());
    }
    assert_eq!(
        h.admin_status(Method::DELETE, "/faults/999", None).await,
        404
    );
}
