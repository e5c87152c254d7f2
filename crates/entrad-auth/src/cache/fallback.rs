//! A shared store that falls back to process memory while it cannot be reached.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt as _};

use super::{CacheKey, CacheLock, CachedMetadata, CachedToken, MemoryCache, TokenCache};
use crate::{Error, Result};

/// How long the primary store rests after a failure before it is tried again.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Wraps a shared store (a file, Redis) so that a store that cannot be reached
/// never fails a job and never floods the log: on the first failure it warns
/// once and serves from a [`MemoryCache`]; it tries the store again every
/// 30 s, silently, and says so when the store is back.
///
/// [`crate::CacheSpec::build`] wraps the file and Redis stores in one.
///
/// ```
/// use std::sync::Arc;
/// use entrad_auth::{FallbackCache, FileCache, TokenCache};
///
/// let store: Arc<dyn TokenCache> = Arc::new(FallbackCache::new(Arc::new(
///     FileCache::new("/nonexistent/dir/cache.json"),
/// )));
/// # let _ = store;
/// ```
pub struct FallbackCache {
    primary: Arc<dyn TokenCache>,
    memory: MemoryCache,
    retry_after: Duration,
    /// `Some(when the primary last failed)` while degraded (an instant in the
    /// past, so that no pause, however long, overflows a clock).
    degraded: Mutex<Option<Instant>>,
}

impl FallbackCache {
    /// Falls back from `primary` to process memory.
    pub fn new(primary: Arc<dyn TokenCache>) -> FallbackCache {
        FallbackCache {
            primary,
            memory: MemoryCache::new(),
            retry_after: DEFAULT_RETRY_AFTER,
            degraded: Mutex::new(None),
        }
    }

    /// How long the primary store rests after a failure (default 30 s).
    pub fn with_retry_after(mut self, pause: Duration) -> FallbackCache {
        self.retry_after = pause;
        self
    }

    /// True while tokens are kept in memory because the primary store failed.
    pub fn is_degraded(&self) -> bool {
        self.state().is_some()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // A single Option assignment cannot be left half done by a panic.
        self.degraded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether to ask the primary store now: healthy, or resting long enough.
    fn use_primary(&self) -> bool {
        self.state()
            .is_none_or(|failed_at| failed_at.elapsed() >= self.retry_after)
    }

    fn succeeded(&self) {
        if self.state().take().is_some() {
            tracing::info!(store = ?self.primary, "the token cache is reachable again");
        }
    }

    fn failed(&self, e: &Error) {
        let was_degraded = self.state().replace(Instant::now()).is_some();
        if was_degraded {
            tracing::debug!(error = %with_causes(e), "the token cache is still unreachable");
        } else {
            tracing::warn!(store = ?self.primary, error = %with_causes(e), "the token cache cannot be used; keeping tokens in memory for now");
        }
    }
}

/// The error and its causes on one line: the warning says why the store
/// failed ("cannot read PATH: it is a FIFO, not a regular file"), not only what.
fn with_causes(error: &Error) -> String {
    let mut line = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        line.push_str(": ");
        line.push_str(&e.to_string());
        cause = e.source();
    }
    line
}

impl TokenCache for FallbackCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>> {
        async move {
            if self.use_primary() {
                match self.primary.get(key).await {
                    Ok(Some(found)) => {
                        self.succeeded();
                        return Ok(Some(found));
                    }
                    // A token kept in memory during an outage is still good.
                    Ok(None) => self.succeeded(),
                    Err(e) => self.failed(&e),
                }
            }
            self.memory.get(key).await
        }
        .boxed()
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: &'a CachedToken) -> BoxFuture<'a, Result<()>> {
        async move {
            if self.use_primary() {
                match self.primary.put(key, token).await {
                    Ok(()) => {
                        self.succeeded();
                        // A token kept while degraded is older than this one.
                        return self.memory.remove(key).await;
                    }
                    Err(e) => self.failed(&e),
                }
            }
            self.memory.put(key, token).await
        }
        .boxed()
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>> {
        async move {
            if self.use_primary() {
                match self.primary.remove(key).await {
                    Ok(()) => self.succeeded(),
                    Err(e) => self.failed(&e),
                }
            }
            self.memory.remove(key).await
        }
        .boxed()
    }

    fn lock<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CacheLock>>> {
        async move {
            if !self.use_primary() {
                return Ok(None);
            }
            match self.primary.lock(key).await {
                Ok(lock) => {
                    self.succeeded();
                    Ok(lock)
                }
                Err(e) => {
                    self.failed(&e);
                    Ok(None)
                }
            }
        }
        .boxed()
    }

    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<CachedMetadata>>> {
        async move {
            if self.use_primary() {
                match self.primary.get_metadata(name).await {
                    Ok(Some(found)) => {
                        self.succeeded();
                        return Ok(Some(found));
                    }
                    Ok(None) => self.succeeded(),
                    Err(e) => self.failed(&e),
                }
            }
            self.memory.get_metadata(name).await
        }
        .boxed()
    }

    fn put_metadata<'a>(
        &'a self,
        name: &'a str,
        metadata: &'a CachedMetadata,
    ) -> BoxFuture<'a, Result<()>> {
        async move {
            if self.use_primary() {
                match self.primary.put_metadata(name, metadata).await {
                    Ok(()) => {
                        self.succeeded();
                        return self.memory.remove_metadata(name).await;
                    }
                    Err(e) => self.failed(&e),
                }
            }
            self.memory.put_metadata(name, metadata).await
        }
        .boxed()
    }

    fn remove_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        async move {
            if self.use_primary() {
                match self.primary.remove_metadata(name).await {
                    Ok(()) => self.succeeded(),
                    Err(e) => self.failed(&e),
                }
            }
            self.memory.remove_metadata(name).await
        }
        .boxed()
    }
}

impl fmt::Debug for FallbackCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FallbackCache")
            .field("primary", &self.primary)
            .field("degraded", &self.is_degraded())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{key, token};
    use super::*;
    use futures_util::future::ready;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Fails while `down` is set; counts calls.
    #[derive(Debug, Default)]
    struct Flaky {
        down: AtomicBool,
        calls: AtomicUsize,
        inner: MemoryCache,
    }

    impl Flaky {
        fn check(&self) -> Result<()> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                Err(Error::Cache {
                    message: "connection refused".into(),
                    source: None,
                })
            } else {
                Ok(())
            }
        }
    }

    impl TokenCache for Flaky {
        fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>> {
            match self.check() {
                Ok(()) => self.inner.get(key),
                Err(e) => ready(Err(e)).boxed(),
            }
        }
        fn put<'a>(
            &'a self,
            key: &'a CacheKey,
            token: &'a CachedToken,
        ) -> BoxFuture<'a, Result<()>> {
            match self.check() {
                Ok(()) => self.inner.put(key, token),
                Err(e) => ready(Err(e)).boxed(),
            }
        }
        fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>> {
            match self.check() {
                Ok(()) => self.inner.remove(key),
                Err(e) => ready(Err(e)).boxed(),
            }
        }
    }

    #[tokio::test]
    async fn degrades_to_memory_rests_then_recovers() {
        let flaky = Arc::new(Flaky::default());
        flaky.down.store(true, Ordering::SeqCst);
        let cache = FallbackCache::new(flaky.clone()).with_retry_after(Duration::from_millis(50));
        assert!(cache.get(&key("t")).await.unwrap().is_none());
        assert!(cache.is_degraded());
        cache.put(&key("t"), &token("t")).await.unwrap();
        assert!(cache.lock(&key("t")).await.unwrap().is_none());
        assert!(
            cache.get(&key("t")).await.unwrap().is_some(),
            "served from memory"
        );
        assert_eq!(
            flaky.calls.load(Ordering::SeqCst),
            1,
            "resting, not retried"
        );

        flaky.down.store(false, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(
            cache.get(&key("t")).await.unwrap().is_some(),
            "a primary miss, the token kept in memory"
        );
        assert_eq!(flaky.calls.load(Ordering::SeqCst), 2);
        assert!(!cache.is_degraded());
        cache.put(&key("t"), &token("t")).await.unwrap();
        assert!(flaky.inner.get(&key("t")).await.unwrap().is_some());
        assert!(cache.memory.is_empty());
    }

    #[tokio::test]
    async fn a_pause_too_long_for_the_clock_rests_forever_without_a_panic() {
        let flaky = Arc::new(Flaky::default());
        flaky.down.store(true, Ordering::SeqCst);
        let cache = FallbackCache::new(flaky.clone()).with_retry_after(Duration::MAX);
        assert!(cache.get(&key("t")).await.unwrap().is_none());
        flaky.down.store(false, Ordering::SeqCst);
        assert!(cache.get(&key("t")).await.unwrap().is_none());
        assert!(cache.is_degraded());
        assert_eq!(flaky.calls.load(Ordering::SeqCst), 1);
    }
}
