//! Token caches: the [`TokenCache`] trait, its key and entry types, and the
//! default in-memory store.
//!
//! Keys and entries follow MSAL's unified cache schema (see
//! [`CacheKey::msal_key`]) so that file and Redis stores can share entries with
//! MSAL applications.

mod memory;

use std::fmt;

use futures_util::future::BoxFuture;
use secrecy::SecretString;

pub use memory::MemoryCache;

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
}

/// MSAL unified-cache key parts: `environment` = authority host, `realm` =
/// tenant as configured, `target` = scopes sorted and space-joined.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The authority's `host[:port]`.
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
        let mut sorted: Vec<&str> = scopes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        CacheKey {
            environment: authority.host().to_string(),
            client_id: client_id.to_string(),
            realm: authority.realm().to_string(),
            target: sorted.join(" "),
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
        assert_eq!(a.environment, "127.0.0.1:8443");
    }

    #[test]
    fn cached_token_debug_redacts() {
        let t = CachedToken {
            secret: SecretString::from("cached-secret-token"),
            token_type: "Bearer".into(),
            cached_at: 1,
            expires_on: 2,
            extended_expires_on: 2,
            refresh_on: None,
        };
        assert!(!format!("{t:?}").contains("cached-secret-token"));
    }
}
