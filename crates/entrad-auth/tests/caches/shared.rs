//! Clients that share a store but not a process (each client has its own
//! in-process single-flight, as separate processes do) cause one token request.

use std::sync::Arc;
use std::time::Duration;

use entrad_auth::{ConfidentialClient, Credential, FileCache, TokenCache};
use wiremock::MockServer;

use super::logs;
use super::redis::store as redis_store;
use crate::support::*;
use entrad_testkit::fresh_redis_prefix;

/// `n` clients, each with its own store from `store`, asking at once.
async fn herd(
    server: &MockServer,
    n: usize,
    store: impl Fn() -> Arc<dyn TokenCache>,
) -> Vec<entrad_auth::AccessToken> {
    let clients: Vec<ConfidentialClient> = (0..n)
        .map(|_| {
            builder(server, Credential::secret(SECRET))
                .cache(store())
                .build()
                .unwrap()
        })
        .collect();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| tokio::spawn(async move { client.acquire_token(&[GRAPH]).await.unwrap() }))
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap());
    }
    tokens
}

/// A token service slow enough that every client asks while the first request is in flight.
async fn slow_server(token: &str) -> MockServer {
    server_answering(token_ok(token, 3599).set_delay(Duration::from_millis(300))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_sharing_a_file_cause_one_token_request() {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herd.json");
    let server = slow_server("herd-file-token").await;
    let tokens = herd(&server, 8, || Arc::new(FileCache::new(&path))).await;
    assert_eq!(token_requests(&server).await.len(), 1);
    assert!(tokens.iter().all(|t| t.secret() == "herd-file-token"));
    assert_eq!(tokens.iter().filter(|t| !t.from_cache()).count(), 1);
    logs::assert_never_logged("herd-file-token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_sharing_redis_cause_one_token_request() {
    logs::init();
    let prefix = fresh_redis_prefix();
    let server = slow_server("herd-redis-token").await;
    let tokens = herd(&server, 8, || Arc::new(redis_store(&prefix))).await;
    assert_eq!(token_requests(&server).await.len(), 1);
    assert!(tokens.iter().all(|t| t.secret() == "herd-redis-token"));
    assert_eq!(tokens.iter().filter(|t| !t.from_cache()).count(), 1);
    logs::assert_never_logged("herd-redis-token");
}
