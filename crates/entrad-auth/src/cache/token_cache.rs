//! The [`TokenCache`] trait every store implements.

use std::fmt;

use futures_util::future::{BoxFuture, FutureExt as _, ready};

use super::{CacheKey, CacheLock, CachedMetadata, CachedToken};
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

    /// The metadata document stored under `name`, if any (an old one may be
    /// returned: the client checks its age). The client stores what
    /// discovery found about its authority here, so that a process whose
    /// store was used before asks the token endpoint straight away. The
    /// default keeps nothing: such a store costs a discovery per process.
    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<CachedMetadata>>> {
        let _ = name;
        ready(Ok(None)).boxed()
    }

    /// Stores `metadata` under `name`, replacing any previous document.
    fn put_metadata<'a>(
        &'a self,
        name: &'a str,
        metadata: &'a CachedMetadata,
    ) -> BoxFuture<'a, Result<()>> {
        let _ = (name, metadata);
        ready(Ok(())).boxed()
    }

    /// Removes the document stored under `name`, if any: the token endpoint
    /// answered in a way that says it is wrong.
    fn remove_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        let _ = name;
        ready(Ok(())).boxed()
    }
}
