//! The default store: a map in process memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use futures_util::future::{BoxFuture, FutureExt as _, ready};

use super::{CacheKey, CachedMetadata, CachedToken, TokenCache};
use crate::Result;

/// Tokens kept in process memory (the default cache), with the authorities'
/// metadata. Cheap to share: wrap it in an `Arc` to give several clients one
/// cache.
#[derive(Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<CacheKey, CachedToken>>,
    metadata: Mutex<HashMap<String, CachedMetadata>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> MemoryCache {
        MemoryCache::default()
    }

    /// The number of entries held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A panic elsewhere while holding the lock cannot leave a half-written
    /// entry (inserts and removes are single map operations), so a poisoned
    /// map is still consistent.
    fn lock(&self) -> MutexGuard<'_, HashMap<CacheKey, CachedToken>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// As [`MemoryCache::lock`], for the metadata.
    fn metadata(&self) -> MutexGuard<'_, HashMap<String, CachedMetadata>> {
        self.metadata.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.len())
            .finish()
    }
}

impl TokenCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>> {
        ready(Ok(self.lock().get(key).cloned())).boxed()
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: &'a CachedToken) -> BoxFuture<'a, Result<()>> {
        self.lock().insert(key.clone(), token.clone());
        ready(Ok(())).boxed()
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>> {
        self.lock().remove(key);
        ready(Ok(())).boxed()
    }

    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<CachedMetadata>>> {
        ready(Ok(self.metadata().get(name).cloned())).boxed()
    }

    fn put_metadata<'a>(
        &'a self,
        name: &'a str,
        metadata: &'a CachedMetadata,
    ) -> BoxFuture<'a, Result<()>> {
        self.metadata().insert(name.to_owned(), metadata.clone());
        ready(Ok(())).boxed()
    }

    fn remove_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        self.metadata().remove(name);
        ready(Ok(())).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{key, token};
    use super::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn put_get_remove() {
        let cache = MemoryCache::new();
        assert!(cache.get(&key("a")).await.unwrap().is_none());
        cache.put(&key("a"), &token("one")).await.unwrap();
        cache.put(&key("b"), &token("two")).await.unwrap();
        let refreshing = CachedToken {
            refresh_on: Some(15),
            ..token("three")
        };
        cache.put(&key("a"), &refreshing).await.unwrap();
        assert_eq!(cache.len(), 2);
        let got = cache.get(&key("a")).await.unwrap().unwrap();
        assert_eq!(got.secret.expose_secret(), "three");
        assert_eq!(got.refresh_on, Some(15));
        cache.remove(&key("a")).await.unwrap();
        assert!(cache.get(&key("a")).await.unwrap().is_none());
        assert!(!format!("{cache:?}").contains("two"));
    }

    #[tokio::test]
    async fn metadata_put_get_remove() {
        let cache = MemoryCache::new();
        let doc = CachedMetadata {
            document: r#"{"token_endpoint":"https://a/t"}"#.into(),
            fetched_at: 7,
        };
        assert!(cache.get_metadata("a").await.unwrap().is_none());
        cache.put_metadata("a", &doc).await.unwrap();
        assert_eq!(cache.get_metadata("a").await.unwrap(), Some(doc));
        assert!(cache.get_metadata("b").await.unwrap().is_none());
        cache.remove_metadata("a").await.unwrap();
        assert!(cache.get_metadata("a").await.unwrap().is_none());
        assert!(cache.is_empty(), "metadata is not a token");
    }
}
