//! Client capabilities and claims challenges on the wire (a wiremock token
//! service): what the `claims` parameter carries, that a challenge bypasses
//! the cache and replaces the stored token, and one request per challenge.

use std::sync::Arc;
use std::time::Duration;

use entrad_auth::{Credential, FileCache, TokenCache};
use entrad_testkit::token_service::token_ok;
use serde_json::{Value, json};

use crate::support::*;

/// What a CAE claims challenge from Graph decodes to.
const CHALLENGE: &str = r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#;

/// The `claims` form field of each token request, as JSON (`Null` when absent).
async fn sent_claims(server: &wiremock::MockServer) -> Vec<Value> {
    token_requests(server)
        .await
        .iter()
        .map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "claims")
                .map_or(Value::Null, |(_, v)| serde_json::from_str(&v).unwrap())
        })
        .collect()
}

#[tokio::test]
async fn capabilities_go_in_every_request_merged_with_the_challenge() {
    let server = server().await;
    mount_token_times(&server, 1, token_ok("first-token", 86_399)).await;
    mount_token(&server, token_ok("second-token", 86_399)).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TokenCache> = Arc::new(FileCache::new(dir.path().join("cache.json")));
    let client = builder(&server, Credential::secret(SECRET))
        .client_capabilities(["cp1"])
        .cache(store.clone())
        .build()
        .unwrap();
    assert_eq!(
        client.acquire_token(&[GRAPH]).await.unwrap().secret(),
        "first-token"
    );
    // The cached token is fresh: the challenge bypasses it.
    let answered = client
        .acquire_token_with_claims(&[GRAPH], CHALLENGE)
        .await
        .unwrap();
    assert_eq!(answered.secret(), "second-token");
    assert!(!answered.from_cache());
    assert_eq!(
        sent_claims(&server).await,
        vec![
            json!({"access_token": {"xms_cc": {"values": ["cp1"]}}}),
            json!({"access_token": {
                "nbf": {"essential": true, "value": "1700000000"},
                "xms_cc": {"values": ["cp1"]}
            }}),
        ]
    );
    // It replaced the token in this client's copy and in the shared store.
    assert_eq!(
        client.acquire_token(&[GRAPH]).await.unwrap().secret(),
        "second-token"
    );
    assert_eq!(
        fresh_client_token(&server, store).await.secret(),
        "second-token"
    );
    assert_eq!(token_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn without_capabilities_only_a_challenge_sends_claims() {
    let server = server_answering(token_ok("plain-token", 3599)).await;
    let client = secret_client(&server);
    client.acquire_token(&[GRAPH]).await.unwrap();
    client
        .acquire_token_with_claims(&[GRAPH], CHALLENGE)
        .await
        .unwrap();
    assert_eq!(
        sent_claims(&server).await,
        vec![Value::Null, serde_json::from_str(CHALLENGE).unwrap()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_with_one_challenge_share_one_request() {
    let server =
        server_answering(token_ok("answer-token", 86_399).set_delay(Duration::from_millis(200)))
            .await;
    let client = builder(&server, Credential::secret(SECRET))
        .client_capabilities(["cp1"])
        .build()
        .unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .acquire_token_with_claims(&[GRAPH], CHALLENGE)
                    .await
                    .map(|t| t.secret().to_owned())
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), "answer-token");
    }
    assert_eq!(token_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn claims_that_are_not_a_json_object_are_refused_before_any_request() {
    let server = server_answering(token_ok("unused-token", 3599)).await;
    let client = secret_client(&server);
    for bad in ["not json", "[1]", ""] {
        let e = client
            .acquire_token_with_claims(&[GRAPH], bad)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), entrad_auth::ErrorKind::Config, "{bad}: {e}");
        assert!(e.to_string().contains("claims"), "{e}");
    }
    assert!(token_requests(&server).await.is_empty());
}

#[test]
fn capabilities_must_be_names() {
    let server_uri = "http://127.0.0.1:1";
    let authority = entrad_auth::Authority::parse(&format!("{server_uri}/{TENANT}")).unwrap();
    for bad in ["", "c p", "a\"b"] {
        let e = entrad_auth::ConfidentialClient::builder(
            CLIENT_ID,
            authority.clone(),
            Credential::secret(SECRET),
        )
        .allow_insecure_loopback(true)
        .client_capabilities([bad])
        .build()
        .unwrap_err();
        assert_eq!(e.kind(), entrad_auth::ErrorKind::Config, "{bad:?}");
    }
}
