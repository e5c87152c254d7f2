//! Keys and entries for the unit tests of the stores and the client.

use secrecy::SecretString;

use super::{CacheKey, CachedToken};

/// A key of one app and tenant on the emulator's host, for `target`.
pub(crate) fn key(target: &str) -> CacheKey {
    CacheKey {
        environment: "127.0.0.1".into(),
        client_id: "client".into(),
        realm: "tenant".into(),
        target: target.into(),
    }
}

/// A bearer token `secret` that expires in 2096 and needs no refresh.
pub(crate) fn token(secret: &str) -> CachedToken {
    CachedToken {
        secret: SecretString::from(secret),
        token_type: "Bearer".into(),
        cached_at: 10,
        expires_on: 4_000_000_000,
        extended_expires_on: 4_000_000_000,
        refresh_on: None,
        credential: None,
    }
}
