//! A token cache in Redis, shared by a fleet of processes on many machines.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt as _};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Cmd, FromRedisValue};
use serde_json::{Value, json};
use url::Url;
use zeroize::Zeroizing;

use super::encryption::{ENCRYPTION_KEY_VAR, EncryptionKey};
use super::msal_entry::{from_entry, to_entry};
use super::redacted_url::redacted;
use super::{
    CacheKey, CacheLock, CachedMetadata, CachedToken, HeldLock, METADATA_KEPT_FOR_SECS, TokenCache,
};
use crate::clock::now_secs;
use crate::service_reply::epoch;
use crate::{Error, Result};

/// Keys are `<prefix><MSAL cache key>`; locks `<prefix>lock:<MSAL cache key>`.
const DEFAULT_PREFIX: &str = "entrad:";
/// An unreachable server should cost a job seconds, not minutes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// A crashed holder's lock frees itself after this; a live holder is done
/// well before it (the default retry policy gives up after 60 s).
const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(60);
/// Long enough to outlast a crashed holder's lock.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(65);
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// Deletes the lock only while it is still ours: a holder whose lock expired
/// and was taken by another process must not free the other's lock.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// App tokens in Redis, for fleets: every process on every machine that uses
/// the same server (and prefix) shares each token, and processes starting
/// together cause one token request.
///
/// * Entry: the MSAL access-token entry as JSON (the fields of MSAL's unified
///   cache), under `entrad:<MSAL cache key>`, expiring with the token.
/// * Metadata (what discovery found about an authority, see
///   [`TokenCache::get_metadata`]): `{"document": {..}, "fetched_at": n}`
///   under `entrad:metadata:<name>`, expiring after 7 days; encrypted as the
///   entries are.
/// * Encryption at rest (optional): with a key ([`EncryptionKey`], e.g. from
///   `ENTRAD_CACHE_KEY`), values are AES-256-GCM sealed, `base64(nonce ||
///   ciphertext)`; a value that does not open (another key, altered,
///   unencrypted) is a miss, with a warning.
/// * [`TokenCache::lock`]: `SET <prefix>lock:<key> <random fencing value> NX
///   PX <ttl>`, polled with backoff while another process holds it; released
///   by a script that deletes it only if it still holds our fencing value.
///
/// It connects on first use. Put it behind a [`crate::FallbackCache`] so that
/// an unreachable server degrades to memory (as [`crate::CacheSpec::build`] does).
///
/// ```
/// use entrad_auth::RedisCache;
///
/// let cache = RedisCache::new("redis://:password@cache.internal:6379/2?prefix=payroll:")?;
/// assert!(!format!("{cache:?}").contains("password"));
/// # Ok::<(), entrad_auth::Error>(())
/// ```
pub struct RedisCache {
    client: redis::Client,
    /// The server, without credentials, for messages.
    server: String,
    prefix: String,
    encryption: Option<EncryptionKey>,
    lock_ttl: Duration,
    lock_wait: Duration,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// Keys whose entry could not be read: warned about once, not on every look.
    unreadable: Mutex<HashSet<String>>,
}

impl RedisCache {
    /// The most an entry may hold: 1 MiB. An entry is one access token
    /// (1 to 5 KB) with its MSAL fields, encrypted or not. A larger value is
    /// not read past this: it counts as a miss, with a warning naming the
    /// limit, and the token obtained instead replaces it.
    pub const ENTRY_LIMIT: u64 = 1024 * 1024;

    /// A cache at `redis://[user][:password@]host[:port][/db][?prefix=P]`, or
    /// `rediss://` for TLS. `prefix` (default `entrad:`) starts every key. No
    /// I/O happens here.
    pub fn new(url: &str) -> Result<RedisCache> {
        let mut url = Url::parse(url.trim()).map_err(|_| {
            Error::Config("the Redis cache URL is not a valid URL (redis://host:port/db)".into())
        })?;
        let server = redacted(&url);
        if !matches!(url.scheme(), "redis" | "rediss") {
            return Err(Error::Config(format!(
                "{server}: a Redis cache URL starts with redis:// or rediss://"
            )));
        }
        let mut prefix = DEFAULT_PREFIX.to_string();
        let others: Vec<(String, String)> = url
            .query_pairs()
            .filter_map(|(name, value)| {
                if name == "prefix" {
                    prefix = value.into_owned();
                    None
                } else {
                    Some((name.into_owned(), value.into_owned()))
                }
            })
            .collect();
        if others.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(others);
        }
        let client = redis::Client::open(url.as_str())
            .map_err(|e| Error::config(format!("{server}: not a usable Redis URL"), e))?;
        Ok(RedisCache {
            client,
            server,
            prefix,
            encryption: None,
            lock_ttl: DEFAULT_LOCK_TTL,
            lock_wait: DEFAULT_LOCK_WAIT,
            connection: tokio::sync::Mutex::new(None),
            unreadable: Mutex::new(HashSet::new()),
        })
    }

    /// Starts every key with `prefix` instead of `entrad:`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> RedisCache {
        self.prefix = prefix.into();
        self
    }

    /// Encrypts entries at rest with `key` (every process sharing the server
    /// needs the same key).
    pub fn with_encryption(mut self, key: EncryptionKey) -> RedisCache {
        self.encryption = Some(key);
        self
    }

    /// How long a lock lives when its holder never releases it (default 60 s).
    pub fn with_lock_ttl(mut self, ttl: Duration) -> RedisCache {
        self.lock_ttl = ttl;
        self
    }

    /// How long [`TokenCache::lock`] waits for another process's lock before
    /// going ahead without it (default 65 s: past a crashed holder's lock).
    pub fn with_lock_wait(mut self, wait: Duration) -> RedisCache {
        self.lock_wait = wait;
        self
    }

    /// The Redis key of the entry for `key`.
    pub fn entry_key(&self, key: &CacheKey) -> String {
        format!("{}{}", self.prefix, key.msal_key())
    }

    /// The Redis key of the metadata document `name`: `<prefix>metadata:<name>`.
    pub fn metadata_key(&self, name: &str) -> String {
        format!("{}metadata:{name}", self.prefix)
    }

    /// The Redis key of the cross-process lock for `key`.
    pub fn lock_key(&self, key: &CacheKey) -> String {
        format!("{}lock:{}", self.prefix, key.msal_key())
    }

    async fn connection(&self) -> Result<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| self.error(e))?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `cmd`; a broken connection is dropped so the next call reconnects.
    async fn run<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T> {
        let mut connection = self.connection().await?;
        match cmd.query_async(&mut connection).await {
            Ok(value) => Ok(value),
            Err(e) => {
                if e.is_unrecoverable_error() || e.is_io_error() || e.is_timeout() {
                    *self.connection.lock().await = None;
                }
                Err(self.error(e))
            }
        }
    }

    fn error(&self, e: redis::RedisError) -> Error {
        Error::cache(format!("Redis at {}", self.server), e)
    }

    /// The entry's JSON from a stored value; `None` (with a warning, once per
    /// key until it reads again) when it cannot be read with the configured
    /// key, or without one.
    fn decode(&self, redis_key: &str, raw: Zeroizing<Vec<u8>>) -> Option<Value> {
        let plain = match &self.encryption {
            Some(key) => std::str::from_utf8(&raw)
                .ok()
                .and_then(|text| key.open(text, redis_key.as_bytes())),
            None => Some(raw),
        };
        let Some(plain) = plain else {
            self.unreadable(redis_key, &format!("does not decrypt with {ENCRYPTION_KEY_VAR} (another key, altered, or stored unencrypted)"));
            return None;
        };
        match serde_json::from_slice(&plain) {
            Ok(value) => {
                self.warned().remove(redis_key);
                Some(value)
            }
            Err(_) => {
                self.unreadable(
                    redis_key,
                    &format!("is not readable JSON (encrypted? set {ENCRYPTION_KEY_VAR})"),
                );
                None
            }
        }
    }

    /// The JSON stored under `redis_key`, if any can be read.
    async fn read(&self, redis_key: &str) -> Result<Option<Value>> {
        // At most one byte past the limit comes back, whatever the entry
        // holds: GETRANGE bounds the reply on the server. A missing key
        // reads as empty, as an empty value would, and neither is an entry.
        let mut cmd = redis::cmd("GETRANGE");
        cmd.arg(redis_key).arg(0).arg(RedisCache::ENTRY_LIMIT);
        // Bytes, not a String: a conversion error could quote the value.
        let raw = Zeroizing::new(self.run::<Vec<u8>>(&cmd).await?);
        if raw.is_empty() {
            return Ok(None);
        }
        if raw.len() as u64 > RedisCache::ENTRY_LIMIT {
            self.unreadable(
                redis_key,
                &format!(
                    "on {} is larger than the {} limit of an entry (not read past it)",
                    self.server,
                    entrad_http::BodyLimit::new(RedisCache::ENTRY_LIMIT, "a Redis entry").size()
                ),
            );
            return Ok(None);
        }
        Ok(self.decode(redis_key, raw))
    }

    /// Stores `value` under `redis_key` (sealed when encrypting) for `ttl`
    /// seconds; a `ttl` of 0 deletes it.
    async fn write(&self, redis_key: &str, value: &Value, ttl: u64) -> Result<()> {
        if ttl == 0 {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(redis_key);
            return self.run::<()>(&cmd).await;
        }
        let json = Zeroizing::new(
            serde_json::to_vec(value).map_err(|e| Error::cache("cannot serialise the entry", e))?,
        );
        let value = match &self.encryption {
            Some(encryption) => {
                Zeroizing::new(encryption.seal(&json, redis_key.as_bytes())?.into_bytes())
            }
            None => json,
        };
        let mut cmd = redis::cmd("SET");
        cmd.arg(redis_key).arg(value.as_slice()).arg("EX").arg(ttl);
        self.run::<()>(&cmd).await
    }

    fn unreadable(&self, redis_key: &str, why: &str) {
        // An authority's metadata is unreadable for the reason its tokens
        // are (a missing or other key), which their warning says: once is enough.
        let metadata = redis_key.starts_with(&self.metadata_key(""));
        if !metadata && self.warned().insert(redis_key.to_string()) {
            tracing::warn!(key = %redis_key, "a Redis token cache entry {why}; treating it as a miss");
        } else {
            tracing::debug!(key = %redis_key, "a Redis token cache entry {why}; treating it as a miss");
        }
    }

    fn warned(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // Single inserts and removes: a poisoned set is still consistent.
        self.unreadable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl TokenCache for RedisCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>> {
        async move {
            let value = self.read(&self.entry_key(key)).await?;
            Ok(value.as_ref().and_then(from_entry))
        }
        .boxed()
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: &'a CachedToken) -> BoxFuture<'a, Result<()>> {
        async move {
            let ttl = token.expires_on.saturating_sub(now_secs());
            self.write(&self.entry_key(key), &to_entry(key, token), ttl)
                .await
        }
        .boxed()
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>> {
        async move {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(self.entry_key(key));
            self.run::<()>(&cmd).await
        }
        .boxed()
    }

    fn lock<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CacheLock>>> {
        async move {
            let lock_key = self.lock_key(key);
            let fencing = uuid::Uuid::new_v4().simple().to_string();
            let ttl_ms = u64::try_from(self.lock_ttl.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let started = Instant::now();
            let mut pause = FIRST_PAUSE;
            loop {
                let mut cmd = redis::cmd("SET");
                cmd.arg(&lock_key)
                    .arg(&fencing)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms);
                let taken: Option<String> = self.run(&cmd).await?;
                if taken.is_some() {
                    return Ok(Some(CacheLock::new(RedisLock {
                        connection: self.connection().await?,
                        key: lock_key,
                        fencing,
                        server: self.server.clone(),
                    })));
                }
                if started.elapsed() >= self.lock_wait {
                    tracing::warn!(lock = %lock_key, waited = ?self.lock_wait, "another process has held the Redis token cache lock too long; requesting a token without it");
                    return Ok(None);
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
        .boxed()
    }

    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<CachedMetadata>>> {
        async move {
            let value = self.read(&self.metadata_key(name)).await?;
            Ok(value.and_then(|entry| {
                let document = entry.get("document").filter(|d| d.is_object())?;
                Some(CachedMetadata {
                    document: document.to_string(),
                    fetched_at: epoch(entry.get("fetched_at")?)?,
                })
            }))
        }
        .boxed()
    }

    fn put_metadata<'a>(
        &'a self,
        name: &'a str,
        metadata: &'a CachedMetadata,
    ) -> BoxFuture<'a, Result<()>> {
        async move {
            let document: Value = serde_json::from_str(&metadata.document)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| Error::Cache {
                    message: "a metadata document to store is not a JSON object".into(),
                    source: None,
                })?;
            let entry = json!({"document": document, "fetched_at": metadata.fetched_at});
            self.write(&self.metadata_key(name), &entry, METADATA_KEPT_FOR_SECS)
                .await
        }
        .boxed()
    }

    fn remove_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        async move {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(self.metadata_key(name));
            self.run::<()>(&cmd).await
        }
        .boxed()
    }
}

impl fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCache")
            .field("server", &self.server)
            .field("prefix", &self.prefix)
            .field("encrypted", &self.encryption.is_some())
            .field("lock_ttl", &self.lock_ttl)
            .finish()
    }
}

/// A held Redis lock and the fencing value that proves it is ours.
struct RedisLock {
    connection: MultiplexedConnection,
    key: String,
    fencing: String,
    server: String,
}

impl HeldLock for RedisLock {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        async move {
            let RedisLock {
                mut connection,
                key,
                fencing,
                server,
            } = *self;
            redis::Script::new(RELEASE_SCRIPT)
                .key(&key)
                .arg(&fencing)
                .invoke_async::<i64>(&mut connection)
                .await
                .map(drop)
                .map_err(|e| Error::cache(format!("Redis at {server}: releasing {key}"), e))
        }
        .boxed()
    }
}

impl fmt::Debug for RedisLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLock")
            .field("server", &self.server)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_echo_the_password() {
        let cache = RedisCache::new("redis://user:hunter2@127.0.0.1:6390/3?prefix=app:").unwrap();
        assert_eq!(cache.prefix, "app:");
        let text = format!("{cache:?}");
        assert!(
            text.contains("redis://127.0.0.1:6390/3") && !text.contains("hunter2"),
            "{text}"
        );
        let e = RedisCache::new("redis://:hunter2@127.0.0.1/notanumber").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        let e = RedisCache::new("http://:hunter2@127.0.0.1/").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(RedisCache::new("::hunter2").is_err());
        assert!(RedisCache::new("rediss://cache.example:6380/0").is_ok());
        let key = CacheKey {
            environment: "e".into(),
            client_id: "c".into(),
            realm: "r".into(),
            target: "t".into(),
        };
        let default = RedisCache::new("redis://127.0.0.1/").unwrap();
        assert_eq!(default.entry_key(&key), "entrad:-e-accesstoken-c-r-t");
        assert_eq!(default.lock_key(&key), "entrad:lock:-e-accesstoken-c-r-t");
        assert_eq!(
            default.metadata_key("https://h/t"),
            "entrad:metadata:https://h/t"
        );
    }
}
