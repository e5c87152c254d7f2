//! A token answer's JSON body as the token service and the managed identity
//! endpoints send it (`access_token`, `token_type`, a lifetime, `refresh_in`),
//! and the cached token every source builds from what it received.
//!
//! Two rules hold for every token handed out, whatever sent or stored it:
//!
//! - **Its lifetime is at most [`MAX_LIFETIME_SECS`]** (28 hours) from when
//!   it was obtained. Entra's longest-lived access tokens are those of
//!   continuous access evaluation, "up to 28 hours"; managed identity tokens
//!   live 24 hours. A longer `expires_in`, a far-future `expires_on` or a
//!   cache entry claiming more is cut to it, never trusted: a token refreshed
//!   a day early costs one request, a token kept for a thousand years would
//!   be served after it is revoked (and time arithmetic on it overflows).
//! - **The token and its type are visible ASCII** (`!` to `~`): they are sent
//!   in an `Authorization` header, where a control character, a space or a
//!   non-ASCII byte cannot go. A reply with one is malformed. The token need
//!   not be a JWT: Microsoft documents access tokens as opaque to clients
//!   (some resources' are encrypted or not JWTs at all), so its shape is not
//!   checked.

use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;

use crate::cache::CachedToken;
use crate::refresh;
use crate::service_reply::loose_u64;

/// The longest lifetime a token is trusted to have: 28 hours (Entra's
/// continuous access evaluation tokens live up to 28 hours).
pub(crate) const MAX_LIFETIME_SECS: u64 = 28 * 3600;

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
    )?;
    if let Some(ext) = ext_expires_in {
        token.extended_expires_on = now.saturating_add(ext).min(latest_expiry(now));
    }
    Ok(token)
}

/// A token obtained at `now` (epoch seconds), valid until `expires_on` (its
/// extended expiry too, unless the caller knows better), cut to
/// [`MAX_LIFETIME_SECS`]: `refresh_on` from `refresh_in`, else MSAL's
/// half-life rule, never after the expiry. An error (that does not quote
/// them) when the token or its type is not visible ASCII.
pub(crate) fn obtained(
    access_token: &str,
    token_type: Option<&str>,
    now: u64,
    expires_on: u64,
    refresh_in: Option<u64>,
) -> std::result::Result<CachedToken, String> {
    let token_type = token_type.unwrap_or("Bearer");
    if !is_visible_ascii(access_token) {
        return Err(
            "the access_token holds characters a token cannot have (only visible ASCII can be sent in a header)"
                .into(),
        );
    }
    if !is_visible_ascii(token_type) {
        return Err("the token_type is not visible ASCII".into());
    }
    let expires_on = expires_on.min(latest_expiry(now));
    let refresh_on = refresh::refresh_on(now, expires_on.saturating_sub(now), refresh_in)
        .map(|at| at.min(expires_on));
    Ok(CachedToken {
        secret: SecretString::from(access_token.to_string()),
        token_type: token_type.to_string(),
        cached_at: now,
        expires_on,
        extended_expires_on: expires_on,
        refresh_on,
        credential: None,
    })
}

/// A token a store gave back, as the client may serve it at `now` (epoch
/// seconds): `None` when its token or type is not visible ASCII, or when it
/// does not say when it was obtained (`cached_at` 0) and claims to live past
/// [`MAX_LIFETIME_SECS`] from now; else its times cut to that lifetime from
/// when it was obtained (a `cached_at` in the future counts as now).
pub(crate) fn stored(mut token: CachedToken, now: u64) -> Option<CachedToken> {
    if !is_visible_ascii(token.secret.expose_secret()) || !is_visible_ascii(&token.token_type) {
        return None;
    }
    token.cached_at = token.cached_at.min(now);
    let obtained = match token.cached_at {
        0 if token.expires_on > latest_expiry(now) => return None,
        0 => now,
        at => at,
    };
    let latest = latest_expiry(obtained);
    token.expires_on = token.expires_on.min(latest);
    token.extended_expires_on = token.extended_expires_on.min(latest);
    token.refresh_on = token.refresh_on.map(|at| at.min(token.expires_on));
    Some(token)
}

/// The latest expiry a token obtained at `obtained` can have.
fn latest_expiry(obtained: u64) -> u64 {
    obtained.saturating_add(MAX_LIFETIME_SECS)
}

/// `!` to `~`, and not empty.
fn is_visible_ascii(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cache::fixtures;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn far_future_lifetimes_are_cut_to_28_hours() {
        for (body, lifetime) in [
            (
                r#"{"access_token":"a","expires_in":1000000000000,"ext_expires_in":1000000000000,"refresh_in":1000000000000}"#,
                Lifetime::ExpiresIn,
            ),
            (
                r#"{"access_token":"a","expires_in":"18446744073709551615"}"#,
                Lifetime::ExpiresInOrOn,
            ),
            (
                r#"{"access_token":"a","expires_on":1e300}"#,
                Lifetime::ExpiresInOrOn,
            ),
            (
                r#"{"access_token":"a","expires_on":"1000001700000000"}"#,
                Lifetime::ExpiresInOrOn,
            ),
        ] {
            let token = parse(body.as_bytes(), at(NOW), lifetime).unwrap();
            assert_eq!(token.expires_on, NOW + MAX_LIFETIME_SECS, "{body}");
            assert!(
                token.extended_expires_on <= NOW + MAX_LIFETIME_SECS,
                "{body}"
            );
            assert!(
                token.refresh_on.is_some_and(|r| r <= token.expires_on),
                "{body}"
            );
        }
        // Entra's and the managed identity endpoints' real lifetimes are kept.
        let day = parse(
            br#"{"access_token":"a","expires_in":86399}"#,
            at(NOW),
            Lifetime::ExpiresIn,
        )
        .unwrap();
        assert_eq!(day.expires_on, NOW + 86399);
    }

    #[test]
    fn tokens_with_invisible_characters_are_malformed_and_not_quoted() {
        for token in ["ey\u{1}J", "eyJ\r\nX-Evil: 1", "a b", "é", "eyJ\u{7f}"] {
            let body = serde_json::json!({"access_token": token, "expires_in": 3599}).to_string();
            let message = parse(body.as_bytes(), at(NOW), Lifetime::ExpiresIn).unwrap_err();
            assert!(message.contains("visible ASCII"), "{message}");
            assert!(!message.contains(token), "{message}");
        }
        let bad_type = br#"{"access_token":"a","token_type":"Bearer\u0000","expires_in":1}"#;
        assert!(parse(bad_type, at(NOW), Lifetime::ExpiresIn).is_err());
        // Opaque tokens are fine: no JWT shape is required.
        let opaque = br#"{"access_token":"EwBwA8l6BAAU~opaque+/=","expires_in":1}"#;
        assert!(parse(opaque, at(NOW), Lifetime::ExpiresIn).is_ok());
    }

    #[test]
    fn stored_tokens_are_bounded_from_when_they_were_obtained() {
        let forever = CachedToken {
            cached_at: NOW - 60,
            expires_on: u64::MAX,
            extended_expires_on: u64::MAX,
            refresh_on: Some(u64::MAX),
            ..fixtures::token("t")
        };
        let served = stored(forever.clone(), NOW).unwrap();
        let latest = NOW - 60 + MAX_LIFETIME_SECS;
        assert_eq!(
            (
                served.expires_on,
                served.extended_expires_on,
                served.refresh_on
            ),
            (latest, latest, Some(latest))
        );
        // Obtained "in the future": counted from now.
        let future = CachedToken {
            cached_at: u64::MAX,
            ..forever.clone()
        };
        let served = stored(future, NOW).unwrap();
        assert_eq!(
            (served.cached_at, served.expires_on),
            (NOW, NOW + MAX_LIFETIME_SECS)
        );
        // No cached_at: a plausible expiry is kept, an absurd one not served.
        let unknown = CachedToken {
            cached_at: 0,
            expires_on: NOW + 3600,
            ..forever.clone()
        };
        assert_eq!(stored(unknown, NOW).unwrap().expires_on, NOW + 3600);
        let unknown_forever = CachedToken {
            cached_at: 0,
            ..forever.clone()
        };
        assert!(stored(unknown_forever, NOW).is_none());
        let control = CachedToken {
            secret: SecretString::from("a\u{1b}b"),
            ..forever
        };
        assert!(stored(control, NOW).is_none());
    }
}
