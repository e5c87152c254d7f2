//! Token caches: the [`TokenCache`] trait, its key and entry types, and the
//! stores: in memory (the default), a file shared with MSAL applications, and
//! Redis (feature `redis`).
//!
//! Keys and entries follow MSAL's unified cache schema (see
//! [`CacheKey::msal_key`]) so that file and Redis stores can share entries with
//! MSAL applications.

#[cfg(feature = "redis")]
mod encryption;
mod fallback;
mod file;
#[cfg(test)]
pub(crate) mod fixtures;
mod lock;
mod lock_file;
mod memory;
pub(crate) mod msal_entry;
mod msal_lockfile;
#[cfg(feature = "redis")]
mod redis;
mod spec;

use std::fmt;

use futures_util::future::{BoxFuture, FutureExt as _, ready};
use secrecy::SecretString;

#[cfg(feature = "redis")]
pub use encryption::{ENCRYPTION_KEY_VAR, EncryptionKey};
pub use fallback::FallbackCache;
pub use file::FileCache;
pub use lock::{CacheLock, HeldLock};
pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::RedisCache;
pub use spec::CacheSpec;

use crate::{Authority, Result};

/// A store of app-only access tokens.
///
/// Object-safe so that `Arc<dyn TokenCache>` works. The client treats the cache
/// as an optimisation: a failing `get` counts as a miss and a failing `put` is
/// logged, so a broken store never stops token acquisition.
pub trait TokenCache: Send + Sync + fmt::Debug {
    /// The entry for `key`, if any (expired entries may be returned: the client
    /// checks expiry itself).
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>>;
    /// Stores `token` under `key`, replacing any previous entry.
    fn put<'a>(&'a self, key: &'a CacheKey, token: &'a CachedToken) -> BoxFuture<'a, Result<()>>;
    /// Removes the entry for `key`, if any.
    fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>>;

    /// Takes the store's cross-process lock for `key`, for stores shared by
    /// several processes: the client holds it while it looks again and, on a
    /// miss, requests the token and stores it, so that processes starting
    /// together cause one token request. Waits while another process holds it,
    /// within a bound; `Ok(None)` when the store has no such lock (the default:
    /// in-process single-flight is enough for a private store) or the wait ran
    /// out. The client acts without the lock when this fails.
    fn lock<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CacheLock>>> {
        let _ = key;
        ready(Ok(None)).boxed()
    }
}

/// MSAL unified-cache key parts: `environment` = authority host, `realm` =
/// tenant as configured, `target` = scopes sorted and space-joined.
///
/// MSAL Python takes `environment` from `urlparse(authority).hostname`, which
/// drops the port: an authority `https://127.0.0.1:8443/{tenant}` has the
/// environment `127.0.0.1`. So does this key, or the two could not share a cache.
/// Its `realm` is the tenant from the discovered token endpoint, which is the
/// configured one when the authority names the tenant by id (as the quickstart
/// does); with a domain, MSAL files the token under the tenant id and the two
/// keep separate entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The authority's host, lower-case, without the port (as MSAL has it).
    pub environment: String,
    /// The application (client) id.
    pub client_id: String,
    /// The tenant as configured (GUID or domain).
    pub realm: String,
    /// The scopes, sorted and space-joined.
    pub target: String,
}

impl CacheKey {
    /// The key for an app token of `client_id` from `authority` for `scopes`.
    pub fn new(authority: &Authority, client_id: &str, scopes: &[&str]) -> CacheKey {
        CacheKey {
            environment: msal_environment(authority),
            client_id: client_id.to_string(),
            realm: authority.realm().to_string(),
            target: target(scopes),
        }
    }

    /// This key with `scopes` for its target: what the client uses to build
    /// keys from parts derived once.
    pub(crate) fn for_scopes(&self, scopes: &[&str]) -> CacheKey {
        CacheKey {
            environment: self.environment.clone(),
            client_id: self.client_id.clone(),
            realm: self.realm.clone(),
            target: target(scopes),
        }
    }

    /// The MSAL unified-cache key of the access-token entry:
    /// `-{environment}-accesstoken-{client_id}-{realm}-{target}`, lower-cased
    /// (the leading `-` is the empty `home_account_id` of app tokens).
    pub fn msal_key(&self) -> String {
        format!(
            "-{}-accesstoken-{}-{}-{}",
            self.environment, self.client_id, self.realm, self.target
        )
        .to_lowercase()
    }
}

/// The scopes sorted, deduplicated and space-joined.
fn target(scopes: &[&str]) -> String {
    let mut sorted: Vec<&str> = scopes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.join(" ")
}

/// MSAL's `environment`: the host as `urlparse().hostname` gives it (lower-case,
/// no port, IPv6 without brackets).
fn msal_environment(authority: &Authority) -> String {
    match authority.url().host() {
        Some(url::Host::Domain(d)) => d.to_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => authority.host().to_string(),
    }
}

/// A cached access token. Times are epoch seconds, as MSAL stores them.
#[derive(Clone)]
pub struct CachedToken {
    /// The access token.
    pub secret: SecretString,
    /// Normally `Bearer`.
    pub token_type: String,
    /// When it was obtained.
    pub cached_at: u64,
    /// When it expires.
    pub expires_on: u64,
    /// When it expires for use during a service outage (`ext_expires_in`).
    pub extended_expires_on: u64,
    /// When a proactive refresh is due.
    pub refresh_on: Option<u64>,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("secret", &format_args!("[REDACTED]"))
            .field("token_type", &self.token_type)
            .field("cached_at", &self.cached_at)
            .field("expires_on", &self.expires_on)
            .field("extended_expires_on", &self.extended_expires_on)
            .field("refresh_on", &self.refresh_on)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msal_key_matches_msal_python() {
        let authority =
            Authority::parse("https://login.microsoftonline.com/Contoso.onmicrosoft.com").unwrap();
        let key = CacheKey::new(
            &authority,
            "ABC-123",
            &["https://graph.microsoft.com/.default"],
        );
        assert_eq!(key.realm, "Contoso.onmicrosoft.com");
        assert_eq!(
            key.msal_key(),
            "-login.microsoftonline.com-accesstoken-abc-123-contoso.onmicrosoft.com-https://graph.microsoft.com/.default"
        );
    }

    #[test]
    fn target_is_sorted_and_deduplicated() {
        let authority = Authority::parse("https://127.0.0.1:8443/t").unwrap();
        let a = CacheKey::new(&authority, "c", &["b/.default", "a/.default", "b/.default"]);
        let b = CacheKey::new(&authority, "c", &["a/.default", "b/.default"]);
        assert_eq!(a, b);
        assert_eq!(a.target, "a/.default b/.default");
        // MSAL Python drops the port (urlparse().hostname).
        assert_eq!(a.environment, "127.0.0.1");
    }

    #[test]
    fn cached_token_debug_redacts() {
        let t = fixtures::token("cached-secret-token");
        assert!(!format!("{t:?}").contains("cached-secret-token"));
    }
}
