//! The [`TokenCache`] trait every store implements.

use std::fmt;

use futures_util::future::{BoxFuture, FutureExt as _, ready};

use super::{CacheKey, CacheLock, CachedToken};
use crate::Result;

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
