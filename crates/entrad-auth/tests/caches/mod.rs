//! The shared token caches: the file store (MSAL's format, locking, damage),
//! the Redis store (against a real redis-server), and processes sharing a
//! store causing one token request. Loopback only.

mod file;
mod logs;
mod redis;
mod shared;
