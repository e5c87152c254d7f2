//! The Redis store against a real redis-server on loopback (scripts/test starts
//! one and sets ENTRAD_TEST_REDIS_URL). Each test uses its own key prefix.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use entrad_auth::{
    CacheKey, CacheSpec, CachedToken, Credential, EncryptionKey, RedisCache, TokenCache,
};
use redis::aio::MultiplexedConnection;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;

use entrad_testkit::fresh_redis_prefix;

use super::logs;
use crate::support::*;

/// The test server's URL; missing means the tests were not started by scripts/test.
pub fn url() -> String {
    entrad_testkit::redis_url()
}

/// A store on the test server under `prefix`.
pub fn store(prefix: &str) -> RedisCache {
    RedisCache::new(&url()).unwrap().with_prefix(prefix)
}

async fn raw() -> MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

fn key(target: &str) -> CacheKey {
    CacheKey {
        environment: "login.microsoftonline.com".into(),
        client_id: "redis-client".into(),
        realm: "tenant".into(),
        target: target.into(),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token(secret: &str, lifetime: u64) -> CachedToken {
    CachedToken {
        secret: SecretString::from(secret),
        token_type: "Bearer".into(),
        cached_at: now(),
        expires_on: now() + lifetime,
        extended_expires_on: now() + lifetime,
        refresh_on: None,
        credential: None,
    }
}

fn random_key() -> EncryptionKey {
    let bytes: [u8; 32] = rand::random();
    EncryptionKey::from_base64(&base64::engine::general_purpose::STANDARD.encode(bytes)).unwrap()
}

#[tokio::test]
async fn put_get_remove_with_the_token_lifetime_as_ttl() {
    logs::init();
    let cache = store(&fresh_redis_prefix());
    let k = key("https://graph.microsoft.com/.default");
    assert!(cache.get(&k).await.unwrap().is_none());
    cache
        .put(&k, &token("redis-plain-token", 3600))
        .await
        .unwrap();
    let got = cache.get(&k).await.unwrap().unwrap();
    assert_eq!(got.secret.expose_secret(), "redis-plain-token");

    let mut raw = raw().await;
    let ttl: i64 = redis::cmd("TTL")
        .arg(cache.entry_key(&k))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!((3590..=3600).contains(&ttl), "ttl {ttl}");
    // Without a key the value is the MSAL entry's JSON.
    let stored: String = redis::cmd("GET")
        .arg(cache.entry_key(&k))
        .query_async(&mut raw)
        .await
        .unwrap();
    let entry: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(entry["credential_type"], "AccessToken");
    assert_eq!(entry["client_id"], "redis-client");
    assert!(entry["expires_on"].is_string());

    cache.remove(&k).await.unwrap();
    assert!(cache.get(&k).await.unwrap().is_none());
    // An expired token is not stored at all.
    let mut expired = token("redis-expired-token", 0);
    expired.expires_on = now().saturating_sub(5);
    cache.put(&k, &expired).await.unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(cache.entry_key(&k))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(exists, 0);
    logs::assert_never_logged("redis-plain-token");
}

#[tokio::test]
async fn entries_are_encrypted_at_rest_and_a_wrong_key_is_a_miss() {
    logs::init();
    let prefix = fresh_redis_prefix();
    let secret_key = random_key();
    let cache = store(&prefix).with_encryption(secret_key.clone());
    let k = key("https://graph.microsoft.com/.default");
    cache
        .put(&k, &token("redis-sealed-token", 3600))
        .await
        .unwrap();

    let mut raw = raw().await;
    let stored: String = redis::cmd("GET")
        .arg(cache.entry_key(&k))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(!stored.contains("redis-sealed-token"));
    assert!(!stored.contains("AccessToken"));
    assert!(serde_json::from_str::<Value>(&stored).is_err());

    let again = store(&prefix).with_encryption(secret_key);
    assert_eq!(
        again.get(&k).await.unwrap().unwrap().secret.expose_secret(),
        "redis-sealed-token"
    );
    let wrong = store(&prefix).with_encryption(random_key());
    assert!(wrong.get(&k).await.unwrap().is_none());
    assert!(wrong.get(&k).await.unwrap().is_none());
    assert_eq!(
        logs::warnings_about(&prefix).len(),
        1,
        "once per store and key"
    );
    assert!(store(&prefix).get(&k).await.unwrap().is_none(), "no key");
    assert_eq!(logs::warnings_about(&prefix).len(), 2);

    // One altered character: the tag no longer matches.
    let mut altered = stored.into_bytes();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    let _: () = redis::cmd("SET")
        .arg(cache.entry_key(&k))
        .arg(altered)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(cache.get(&k).await.unwrap().is_none());
    assert_eq!(logs::warnings_about(&prefix).len(), 3);
    logs::assert_never_logged("redis-sealed-token");
}

#[tokio::test]
async fn an_entry_over_the_limit_is_a_miss_read_no_further() {
    logs::init();
    let prefix = fresh_redis_prefix();
    let cache = store(&prefix);
    let k = key("https://graph.microsoft.com/.default");
    let entry = cache.entry_key(&k);
    let mut raw = raw().await;
    // A valid entry, then the same entry padded with spaces (still valid
    // JSON) to the limit, then one byte past it: only its size makes it a miss.
    cache
        .put(&k, &token("redis-small-token", 3600))
        .await
        .unwrap();
    let mut padded: Vec<u8> = redis::cmd("GET")
        .arg(&entry)
        .query_async(&mut raw)
        .await
        .unwrap();
    padded.resize(usize::try_from(RedisCache::ENTRY_LIMIT).unwrap(), b' ');
    let _: () = redis::cmd("SET")
        .arg(&entry)
        .arg(&padded)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(
        cache.get(&k).await.unwrap().unwrap().secret.expose_secret(),
        "redis-small-token",
        "at the limit: read"
    );
    let _: () = redis::cmd("APPEND")
        .arg(&entry)
        .arg(" ")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(
        cache.get(&k).await.unwrap().is_none(),
        "one byte over: a miss"
    );
    let warnings = logs::warnings_about(&prefix);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("is larger than the 1 MiB limit of an entry"),
        "{warnings:?}"
    );
    // A token put in its place is read again.
    cache
        .put(&k, &token("redis-next-token", 3600))
        .await
        .unwrap();
    assert_eq!(
        cache.get(&k).await.unwrap().unwrap().secret.expose_secret(),
        "redis-next-token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_excludes_others_until_released() {
    logs::init();
    let prefix = fresh_redis_prefix();
    let k = key("lock");
    let first = store(&prefix);
    let held = first.lock(&k).await.unwrap().expect("free lock");
    let second = store(&prefix);
    let waiter = tokio::spawn(async move {
        let lock = second.lock(&key("lock")).await.unwrap();
        (lock.is_some(), Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiter.is_finished(),
        "the second waits while the first holds it"
    );
    let released_at = Instant::now();
    held.release().await.unwrap();
    let (taken, at) = waiter.await.unwrap();
    assert!(taken);
    assert!(at >= released_at);

    // Waiting is bounded: the lock is still held (the waiter's lock was dropped,
    // and is being released in the background, or expires).
    let holder = store(&prefix).lock(&key("other")).await.unwrap().unwrap();
    let impatient = store(&prefix).with_lock_wait(Duration::from_millis(100));
    let started = Instant::now();
    assert!(impatient.lock(&key("other")).await.unwrap().is_none());
    assert!(started.elapsed() < Duration::from_secs(5));
    holder.release().await.unwrap();
}

#[tokio::test]
async fn a_stale_holder_cannot_free_a_newer_holders_lock() {
    logs::init();
    let prefix = fresh_redis_prefix();
    let k = key("fencing");
    let stale = store(&prefix).with_lock_ttl(Duration::from_millis(200));
    let stale_lock = stale.lock(&k).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let newer = store(&prefix).with_lock_wait(Duration::from_secs(5));
    let newer_lock = newer
        .lock(&k)
        .await
        .unwrap()
        .expect("the stale lock expired");

    let mut raw = raw().await;
    let exists = |raw: &mut MultiplexedConnection| {
        let mut raw = raw.clone();
        let lock_key = newer.lock_key(&k);
        async move {
            redis::cmd("EXISTS")
                .arg(lock_key)
                .query_async::<i64>(&mut raw)
                .await
                .unwrap()
        }
    };
    stale_lock.release().await.unwrap();
    assert_eq!(
        exists(&mut raw).await,
        1,
        "the newer holder's lock survives"
    );
    newer_lock.release().await.unwrap();
    assert_eq!(exists(&mut raw).await, 0);
}

#[tokio::test]
async fn an_unreachable_server_degrades_to_memory_with_one_warning() {
    logs::init();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let spec: CacheSpec = format!("redis://:pw-not-logged@127.0.0.1:{port}/0")
        .parse()
        .unwrap();
    let server = server_answering(token_ok("redis-degraded-token", 3599)).await;
    let store = spec.build().unwrap();
    let client = builder(&server, Credential::secret(SECRET))
        .cache(store.clone())
        .build()
        .unwrap();
    for _ in 0..5 {
        assert_eq!(
            client.acquire_token(&[GRAPH]).await.unwrap().secret(),
            "redis-degraded-token"
        );
    }
    // A fresh client has no token of its own: only the store's memory can serve it.
    let token = fresh_client_token(&server, store).await;
    assert!(token.from_cache(), "the store kept the token in memory");
    assert_eq!(token.secret(), "redis-degraded-token");
    assert_eq!(token_requests(&server).await.len(), 1, "kept in memory");
    let warnings = logs::warnings_about(&format!("127.0.0.1:{port}"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    logs::assert_never_logged("redis-degraded-token");
    logs::assert_never_logged("pw-not-logged");
}
