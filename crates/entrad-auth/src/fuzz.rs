//! Entry points for the fuzz targets in the repository's `fuzz/` directory and
//! for the stable regression tests that replay their corpus.
//!
//! **Not a stable API**: hidden from the documentation, it changes with the
//! parsers it reaches. Each function takes untrusted bytes as the token service
//! could send them, and panics only when an invariant of the parser breaks.

use std::time::{Duration, UNIX_EPOCH};

use secrecy::ExposeSecret;

use crate::service_reply::{describe_body, service_error};
use crate::token_request::parse_token;
use crate::transport::Reply;

/// The secret this "client" sent; a service echoing it must not get it through.
const SENT_SECRET: &str = "fuzz+s3cr3t/=";

/// A token service reply body, read as a success and as an OAuth error.
///
/// Invariants: a token is never obtained after it expires or is due for
/// refresh, a refusal's message is one line, and an OAuth error never carries
/// the secret the client sent.
pub fn token_response(data: &[u8]) {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    match parse_token(data, now) {
        Ok(token) => {
            assert!(!token.secret.expose_secret().is_empty());
            assert!(token.cached_at <= token.expires_on);
            if let Some(refresh_on) = token.refresh_on {
                assert!(token.cached_at <= refresh_on);
            }
        }
        Err(message) => {
            assert!(!message.contains(['\n', '\r']), "{message:?}");
        }
    }
    let reply = Reply {
        status: 400,
        content_type: Some("application/json".into()),
        body: data.to_vec(),
        challenge: None,
    };
    if let Some(error) = service_error(&reply, &[SENT_SECRET]) {
        for text in [&error.error, &error.error_description] {
            assert!(!text.contains(SENT_SECRET), "{text:?}");
        }
    }
    assert!(!describe_body(&reply).contains('\n'));
}

/// A `Retry-After` value (seconds or an HTTP date) and the delay it leads to:
/// entrad-http's parser, which the token clients use.
///
/// Invariant: whole seconds are taken as they are.
pub fn retry_after(data: &[u8]) {
    entrad_http::fuzz::retry_after(data);
}
