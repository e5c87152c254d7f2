//! Tokens Graph refuses: a cached one is replaced once, a fresh one is an error.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use entrad_auth::{CacheKey, CachedToken, MemoryCache, TokenCache};
use entrad_graph::{ErrorKind, GraphClient, HttpOptions};
use serde_json::json;
use url::Url;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// A graph client whose cache already holds `secret`, valid for an hour, as
/// a token cached before the service changed its keys would be.
async fn with_cached_token(server: &MockServer, secret: &str) -> GraphClient {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cache = Arc::new(MemoryCache::new());
    let auth = auth_builder(server).cache(cache.clone()).build().unwrap();
    let key = CacheKey::new(
        auth.authority(),
        "client",
        &["https://graph.microsoft.com/.default"],
    );
    let token = CachedToken {
        secret: secret.into(),
        token_type: "Bearer".into(),
        cached_at: now,
        expires_on: now + 3600,
        extended_expires_on: now + 3600,
        refresh_on: None,
        credential: None,
    };
    cache.put(&key, &token).await.unwrap();
    GraphClient::builder(auth)
        .base_url(Url::parse(&server.uri()).unwrap())
        .allow_insecure_loopback(true)
        .http(HttpOptions::new().with_retry_policy(quick_retries(3)))
        .build()
        .unwrap()
}

/// Graph's answer to a token it does not accept.
fn invalid_token() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({
        "error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure."}
    }))
}

async fn token_requests(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path() == token_path())
        .count()
}

#[tokio::test]
async fn a_cached_token_graph_refuses_is_replaced_once() {
    let server = MockServer::start().await;
    token_service(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(header("authorization", "Bearer stale-token"))
        .respond_with(invalid_token())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&server, 0..2, None)))
        .expect(2)
        .mount(&server)
        .await;
    let graph = with_cached_token(&server, "stale-token").await;
    let body = graph.get_json("v1.0/users").await.unwrap();
    assert_eq!(body["value"], json!([{"id": "0"}, {"id": "1"}]));
    assert_eq!(token_requests(&server).await, 1);
    // The fresh token replaced the refused one in the cache.
    graph.get_json("v1.0/users").await.unwrap();
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn a_fresh_token_graph_refuses_is_an_error_without_more_retries() {
    let server = MockServer::start().await;
    token_service(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(invalid_token())
        .expect(2)
        .mount(&server)
        .await;
    let graph = with_cached_token(&server, "stale-token").await;
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    assert_eq!(
        err.graph_error().unwrap().code,
        "InvalidAuthenticationToken"
    );
    assert_eq!(token_requests(&server).await, 1);
}
