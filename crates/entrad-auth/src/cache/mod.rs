//! Token caches: the [`TokenCache`] trait, its key and entry types, and the
//! stores: in memory (the default), a file shared with MSAL applications, and
//! Redis (feature `redis`).
//!
//! Keys and entries follow MSAL's unified cache schema (see
//! [`CacheKey::msal_key`]) so that file and Redis stores can share entries with
//! MSAL applications.

mod cached_metadata;
mod cached_token;
#[cfg(feature = "redis")]
mod encryption;
mod fallback;
mod file;
#[cfg(test)]
pub(crate) mod fixtures;
mod key;
mod lock;
mod lock_file;
mod memory;
pub(crate) mod msal_entry;
mod msal_lockfile;
mod redacted_url;
#[cfg(feature = "redis")]
mod redis;
mod spec;
mod token_cache;

pub use cached_metadata::CachedMetadata;
pub(crate) use cached_metadata::METADATA_KEPT_FOR_SECS;
pub use cached_token::CachedToken;
#[cfg(feature = "redis")]
pub use encryption::{ENCRYPTION_KEY_VAR, EncryptionKey};
pub use fallback::FallbackCache;
pub use file::FileCache;
pub use key::CacheKey;
pub use lock::{CacheLock, HeldLock};
pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::RedisCache;
pub use spec::CacheSpec;
pub use token_cache::TokenCache;
