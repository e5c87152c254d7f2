//! The happy paths: request shape, cache, forgetting a token, single-flight,
//! proactive refresh.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use entrad_auth::{
    AccessToken, CacheKey, CachedToken, ConfidentialClient, MemoryCache, TokenCache,
};
use futures_util::future::{BoxFuture, FutureExt as _, ready};
use serde_json::json;
use tokio::task::JoinHandle;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

/// `n` tasks asking `client` for a Graph token at once.
fn concurrently(
    client: &ConfidentialClient,
    n: usize,
) -> Vec<JoinHandle<entrad_auth::Result<AccessToken>>> {
    (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.acquire_token(&[GRAPH]).await })
        })
        .collect()
}

/// Drops `server` at the start of a fresh poll of this task. wiremock verifies
/// on drop by blocking on a tokio lock from inside the task: once the awaits
/// of many callers have spent tokio's cooperative budget for the current poll,
/// that lock answers "not yet" and wakes itself forever (the test spun for
/// 20 minutes once in three runs). A new poll starts with a new budget.
async fn drop_in_a_fresh_poll(server: MockServer) {
    tokio::task::yield_now().await;
    drop(server);
}

/// A server whose first token, `token-old`, is due for refresh after a second.
async fn refresh_due_in_a_second() -> MockServer {
    let server = server().await;
    mount_token_times(
        &server,
        1,
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3600, "refresh_in": 1, "access_token": "token-old"
        })),
    )
    .await;
    server
}

#[tokio::test]
async fn secret_request_has_the_msal_shape() {
    let server = server_answering(token_ok("token-A", 3599)).await;
    let client = secret_client(&server);
    let before = SystemTime::now();
    let token = client.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(token.secret(), "token-A");
    assert_eq!(token.token_type(), "Bearer");
    assert!(!token.from_cache());
    assert!(
        token.refresh_on().is_none(),
        "a 1 h token gets no refresh_on"
    );
    let lifetime = token.expires_on().duration_since(before).unwrap();
    assert!(lifetime > Duration::from_secs(3590) && lifetime <= Duration::from_secs(3600));

    let requests = token_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let form = form(request);
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["scope"], GRAPH);
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_secret"], SECRET);
    assert!(!form.contains_key("client_assertion"));
    assert_eq!(
        header(request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(request, "x-client-sku"), Some("entrad.rust"));
    assert_eq!(
        header(request, "x-client-ver"),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(header(request, "return-client-request-id"), Some("true"));
    let sent_id = header(request, "client-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(sent_id).is_ok());
    assert_eq!(token.client_request_id(), Some(sent_id));
}

#[tokio::test]
async fn second_call_is_served_from_cache_and_metadata_is_fetched_once() {
    let server = server_answering(token_ok("token-A", 3599)).await;
    let client = secret_client(&server);
    client.acquire_token(&[GRAPH]).await.unwrap();
    let again = client.clone().acquire_token(&[GRAPH]).await.unwrap();
    assert!(again.from_cache());
    assert_eq!(again.secret(), "token-A");
    assert_eq!(again.client_request_id(), None);
    // Other scopes are another key: a request, but no second metadata fetch.
    client
        .acquire_token(&["api://other/.default"])
        .await
        .unwrap();
    assert_eq!(token_requests(&server).await.len(), 2);
    assert_eq!(requests_to(&server, &metadata_path()).await.len(), 1);
}

#[tokio::test]
async fn a_forgotten_token_is_requested_again() {
    let server = server().await;
    mount_token_times(&server, 1, token_ok("token-refused", 3599)).await;
    mount_token(&server, token_ok("token-B", 3599)).await;
    let cache = Arc::new(MemoryCache::new());
    let client = builder(&server, entrad_auth::Credential::secret(SECRET))
        .cache(cache.clone())
        .build()
        .unwrap();
    client.acquire_token(&[GRAPH]).await.unwrap();
    assert!(client.acquire_token(&[GRAPH]).await.unwrap().from_cache());

    client.forget_token(&[GRAPH]).await.unwrap();
    assert!(cache.is_empty(), "the entry left the store");
    let fresh = client.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(fresh.secret(), "token-B");
    assert!(!fresh.from_cache());
    assert_eq!(token_requests(&server).await.len(), 2);
    // Nothing cached is nothing to forget; bad scopes are refused as always.
    client
        .forget_token(&["api://other/.default"])
        .await
        .unwrap();
    let err = client.forget_token(&[]).await.unwrap_err();
    assert_eq!(err.kind(), entrad_auth::ErrorKind::Config);
}

#[tokio::test]
async fn token_inside_the_expiry_margin_is_a_miss() {
    let server = server_answering(token_ok("short", 299)).await;
    let client = secret_client(&server);
    let first = client.acquire_token(&[GRAPH]).await.unwrap();
    let second = client.acquire_token(&[GRAPH]).await.unwrap();
    assert!(!first.from_cache() && !second.from_cache());
    assert_eq!(token_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn numeric_strings_and_refresh_in_are_accepted() {
    let server = server_answering(ResponseTemplate::new(200).set_body_json(json!({
        "token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599",
        "refresh_in": "1800", "access_token": "token-A"
    })))
    .await;
    let token = acquire(&server).await.unwrap();
    let until_refresh = token
        .refresh_on()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        until_refresh > Duration::from_secs(1790) && until_refresh <= Duration::from_secs(1800)
    );
}

#[tokio::test]
async fn long_lived_tokens_refresh_at_half_life() {
    let server = server_answering(token_ok("token-A", 86400)).await;
    let token = acquire(&server).await.unwrap();
    let half = token
        .refresh_on()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(half > Duration::from_secs(43190) && half <= Duration::from_secs(43200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_callers_cause_one_request() {
    let server =
        server_answering(token_ok("token-A", 3599).set_delay(Duration::from_millis(300))).await;
    let client = secret_client(&server);
    for task in concurrently(&client, 1000) {
        assert_eq!(task.await.unwrap().unwrap().secret(), "token-A");
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    assert_eq!(requests_to(&server, &metadata_path()).await.len(), 1);
    drop_in_a_fresh_poll(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_failures_are_shared_too() {
    let server = server_answering(
        ResponseTemplate::new(401)
            .set_body_json(entra_error(
                "invalid_client",
                7000215,
                "Invalid client secret provided.",
            ))
            .set_delay(Duration::from_millis(200)),
    )
    .await;
    let client = secret_client(&server);
    for task in concurrently(&client, 100) {
        assert!(task.await.unwrap().is_err());
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    drop_in_a_fresh_poll(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proactive_refresh_serves_the_cached_token_while_one_refresh_runs() {
    let server = refresh_due_in_a_second().await;
    mount_token(
        &server,
        token_ok("token-new", 3600).set_delay(Duration::from_millis(500)),
    )
    .await;
    let client = secret_client(&server);
    let first = client.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(first.secret(), "token-old");
    tokio::time::sleep(Duration::from_millis(2100)).await;

    // Past refresh_on: every caller gets the old token at once...
    for task in concurrently(&client, 50) {
        let token = task.await.unwrap().unwrap();
        assert_eq!(token.secret(), "token-old");
        assert!(token.from_cache());
    }
    // ...while exactly one refresh request runs in the background.
    let mut new = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let token = client.acquire_token(&[GRAPH]).await.unwrap();
        if token.secret() == "token-new" {
            new = Some(token);
            break;
        }
    }
    let new = new.expect("the refreshed token replaces the old one");
    assert!(new.from_cache());
    assert_eq!(token_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_failed_background_refresh_keeps_serving_the_cached_token() {
    let server = refresh_due_in_a_second().await;
    mount_token(
        &server,
        // Not a refusal that blames the metadata (90002 would be retried
        // once with a fresh discovery).
        ResponseTemplate::new(401).set_body_json(entra_error(
            "invalid_client",
            7000222,
            "The provided client secret keys are expired.",
        )),
    )
    .await;
    let client = secret_client(&server);
    client.acquire_token(&[GRAPH]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for _ in 0..5 {
        let token = client.acquire_token(&[GRAPH]).await.unwrap();
        assert_eq!(token.secret(), "token-old");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One failed refresh, then a pause instead of a request per call.
    assert_eq!(token_requests(&server).await.len(), 2);
}

/// A store that always fails: the client must still work.
#[derive(Debug)]
struct BrokenCache;

impl TokenCache for BrokenCache {
    fn get<'a>(
        &'a self,
        _: &'a CacheKey,
    ) -> BoxFuture<'a, entrad_auth::Result<Option<CachedToken>>> {
        ready(Err(entrad_auth::Error::Cache {
            message: "disk on fire".into(),
            source: None,
        }))
        .boxed()
    }
    fn put<'a>(
        &'a self,
        _: &'a CacheKey,
        _: &'a CachedToken,
    ) -> BoxFuture<'a, entrad_auth::Result<()>> {
        ready(Err(entrad_auth::Error::Cache {
            message: "disk on fire".into(),
            source: None,
        }))
        .boxed()
    }
    fn remove<'a>(&'a self, _: &'a CacheKey) -> BoxFuture<'a, entrad_auth::Result<()>> {
        ready(Ok(())).boxed()
    }
}

#[tokio::test]
async fn a_broken_cache_store_does_not_stop_acquisition() {
    let server = server_answering(token_ok("token-A", 3599)).await;
    let client = builder(&server, entrad_auth::Credential::secret(SECRET))
        .cache(Arc::new(BrokenCache))
        .build()
        .unwrap();
    assert_eq!(
        client.acquire_token(&[GRAPH]).await.unwrap().secret(),
        "token-A"
    );
}

#[tokio::test]
async fn a_shared_cache_serves_two_clients_under_the_msal_key() {
    let server = server_answering(token_ok("token-A", 3599)).await;
    let cache = Arc::new(MemoryCache::new());
    let one = builder(&server, entrad_auth::Credential::secret(SECRET))
        .cache(cache.clone())
        .build()
        .unwrap();
    let two = builder(&server, entrad_auth::Credential::secret(SECRET))
        .cache(cache.clone())
        .build()
        .unwrap();
    one.acquire_token(&[GRAPH]).await.unwrap();
    assert!(two.acquire_token(&[GRAPH]).await.unwrap().from_cache());
    let key = CacheKey::new(one.authority(), CLIENT_ID, &[GRAPH]);
    // MSAL's environment is the host without the port.
    let host = server.address().ip().to_string();
    assert_eq!(
        key.msal_key(),
        format!("-{host}-accesstoken-{CLIENT_ID}-{TENANT}-{GRAPH}")
    );
    let entry = cache.get(&key).await.unwrap().unwrap();
    assert_eq!(entry.expires_on - entry.cached_at, 3599);
    assert_eq!(entry.extended_expires_on, entry.expires_on);
}
