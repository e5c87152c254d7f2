//! A token answer's JSON body as the token service and the managed identity
//! endpoints send it (`access_token`, `token_type`, a lifetime, `refresh_in`),
//! and the cached token every source builds from what it received.

use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde_json::Value;

use crate::cache::CachedToken;
use crate::refresh;
use crate::service_reply::loose_u64;

/// How a body gives the token's lifetime.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lifetime {
    /// Entra's token service: `expires_in` (and `ext_expires_in`).
    ExpiresIn,
    /// The managed identity endpoints: `expires_in`, else `expires_on`
    /// (epoch seconds), each a number or a string.
    ExpiresInOrOn,
}

/// The token in `body`, received at `now`. Messages never quote the body:
/// it holds the token.
pub(crate) fn parse(
    body: &[u8],
    now: SystemTime,
    lifetime: Lifetime,
) -> std::result::Result<CachedToken, String> {
    let json: Value =
        serde_json::from_slice(body).map_err(|_| "the body is not JSON".to_string())?;
    let access_token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("the body has no access_token")?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_string())?
        .as_secs();
    let number = |name: &str| json.get(name).and_then(loose_u64);
    let (expires_on, ext_expires_in) = match lifetime {
        Lifetime::ExpiresIn => {
            let expires_in = number("expires_in").ok_or("the body has no numeric expires_in")?;
            (now.saturating_add(expires_in), number("ext_expires_in"))
        }
        Lifetime::ExpiresInOrOn => match (number("expires_in"), number("expires_on")) {
            (Some(expires_in), _) => (now.saturating_add(expires_in), None),
            (None, Some(expires_on)) => (expires_on, None),
            (None, None) => return Err("the body has neither expires_in nor expires_on".into()),
        },
    };
    let mut token = obtained(
        access_token,
        json.get("token_type").and_then(Value::as_str),
        now,
        expires_on,
        number("refresh_in"),
    );
    if let Some(ext) = ext_expires_in {
        token.extended_expires_on = now.saturating_add(ext);
    }
    Ok(token)
}

/// A token obtained at `now` (epoch seconds), valid until `expires_on` (its
/// extended expiry too, unless the caller knows better): `refresh_on` from
/// `refresh_in`, else MSAL's half-life rule.
pub(crate) fn obtained(
    access_token: &str,
    token_type: Option<&str>,
    now: u64,
    expires_on: u64,
    refresh_in: Option<u64>,
) -> CachedToken {
    CachedToken {
        secret: SecretString::from(access_token.to_string()),
        token_type: token_type.unwrap_or("Bearer").to_string(),
        cached_at: now,
        expires_on,
        extended_expires_on: expires_on,
        refresh_on: refresh::refresh_on(now, expires_on.saturating_sub(now), refresh_in),
    }
}
