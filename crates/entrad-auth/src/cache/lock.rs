//! A store's cross-process lock on one key, held while one process requests the
//! token that the others then read from the store.

use std::fmt;

use futures_util::future::BoxFuture;

use crate::Result;

/// A cross-process lock as a store implements it (behind a [`CacheLock`]).
pub trait HeldLock: Send + fmt::Debug {
    /// Gives the lock up. Dropping the box without calling this must not keep
    /// it forever: a file lock is released when its file is closed, a Redis
    /// lock when its time-to-live runs out.
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<()>>;
}

/// A held cross-process lock on one cache key, from [`crate::TokenCache::lock`].
///
/// Give it up with [`CacheLock::release`]. A lock that is dropped instead is
/// released in the background on the current tokio runtime, or else by the
/// store's own means (closing the file, the Redis key's expiry).
#[derive(Debug)]
pub struct CacheLock {
    held: Option<Box<dyn HeldLock>>,
}

impl CacheLock {
    /// Wraps a store's lock.
    pub fn new(held: impl HeldLock + 'static) -> CacheLock {
        CacheLock {
            held: Some(Box::new(held)),
        }
    }

    /// Gives the lock up now.
    pub async fn release(mut self) -> Result<()> {
        match self.held.take() {
            Some(held) => held.release().await,
            None => Ok(()),
        }
    }
}

impl Drop for CacheLock {
    fn drop(&mut self) {
        let Some(held) = self.held.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = held.release().await {
                    tracing::debug!(error = %e, "releasing a dropped cache lock failed; it will expire");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::future::{FutureExt as _, ready};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct Counted(Arc<AtomicUsize>);

    impl HeldLock for Counted {
        fn release(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            ready(Ok(())).boxed()
        }
    }

    #[tokio::test]
    async fn released_once_explicitly_or_on_drop() {
        let count = Arc::new(AtomicUsize::new(0));
        CacheLock::new(Counted(count.clone()))
            .release()
            .await
            .unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        drop(CacheLock::new(Counted(count.clone())));
        for _ in 0..100 {
            if count.load(Ordering::SeqCst) == 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }
}
