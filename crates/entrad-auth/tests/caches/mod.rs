//! The shared token caches: the file store (MSAL's format, locking, damage),
//! the Redis store (against a real redis-server), processes sharing a
//! store causing one token request, and msal-extensions writing the same file. Loopback only.

mod file;
mod logs;
mod msal_extensions;
mod redis;
mod shared;
