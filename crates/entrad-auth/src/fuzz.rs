//! Entry points for the fuzz targets in the repository's `fuzz/` directory and
//! for the stable regression tests that replay their corpus.
//!
//! **Not a stable API**: hidden from the documentation, it changes with the
//! parsers it reaches. Each function takes untrusted bytes as the token service
//! could send them, and panics only when an invariant of the parser breaks.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use secrecy::ExposeSecret;

use crate::cache::CachedToken;
use crate::cache::msal_entry::from_entry;
use crate::claims;
use crate::credential::managed_identity::arc::{basic_realm, key_file};
use crate::credential::managed_identity::{ManagedIdentitySource, reply};
use crate::service_reply::{describe_body, service_error};
use crate::token_body::{self, MAX_LIFETIME_SECS};
use crate::token_request::parse_token;
use crate::transport::Reply;

/// The time every entry point takes as now.
const NOW: u64 = 1_700_000_000;

/// The secret this "client" sent; a service echoing it must not get it through.
const SENT_SECRET: &str = "fuzz+s3cr3t/=";

/// A token service reply body, read as a success and as an OAuth error.
///
/// Invariants: a token is never obtained after it expires or is due for
/// refresh, a refusal's message is one line, and an OAuth error never carries
/// the secret the client sent.
pub fn token_response(data: &[u8]) {
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    match parse_token(data, now) {
        Ok(token) => {
            assert_servable(&token, NOW);
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

/// A managed identity endpoint's answer, as each source reads it: a token
/// (status 200) and a refusal (400, 500).
///
/// Invariants: a token is visible ASCII and lives at most 28 hours, refresh
/// before expiry; an error is one line, and never quotes the token of a 200
/// answer it refuses.
pub fn managed_identity_reply(data: &[u8]) {
    let sources = [
        ManagedIdentitySource::Imds,
        ManagedIdentitySource::AppService,
        ManagedIdentitySource::Arc,
        ManagedIdentitySource::ServiceFabric,
        ManagedIdentitySource::MachineLearning,
        ManagedIdentitySource::CloudShell,
    ];
    let leaked = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|json| json.get("access_token")?.as_str().map(str::to_owned))
        .filter(|token| token.len() > 8);
    for source in sources {
        for status in [200, 400, 500] {
            let reply = Reply {
                status,
                content_type: Some("application/json".into()),
                body: data.to_vec(),
                challenge: None,
            };
            match reply::token(&reply, source.name()) {
                Ok(token) => {
                    assert_eq!(status, 200);
                    assert_servable(&token, token.cached_at);
                }
                Err(e) => {
                    let message = e.to_string();
                    assert!(!message.contains(['\n', '\r']), "{message:?}");
                    // A refusal may quote what the service wrote; a token
                    // answer that does not parse never quotes it.
                    if let (200, Some(token)) = (status, &leaked) {
                        assert!(!message.contains(token.as_str()), "{message:?}");
                    }
                }
            }
        }
    }
}

/// An Azure Arc agent's `WWW-Authenticate` challenge, and the key file read for it.
///
/// Invariant: the key file is a `.key` file directly in the agent's key
/// directory, whatever path the challenge names.
pub fn arc_challenge(data: &[u8]) {
    let Ok(challenge) = std::str::from_utf8(data) else {
        return;
    };
    let Some(realm) = basic_realm(challenge) else {
        return;
    };
    assert!(challenge.contains(realm));
    let dir = Path::new("/var/opt/azcmagent/tokens");
    if let Ok(file) = key_file(dir, realm) {
        assert_eq!(file.parent(), Some(dir), "{file:?}");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(name.ends_with(".key") && name.len() > 4, "{file:?}");
        assert!(
            !name.starts_with('.') && !name.contains(['/', '\\']),
            "{file:?}"
        );
    }
}

/// Decoded claims of a claims challenge, merged with the `cp1` capability
/// and read for the issue time continuous access evaluation requires.
///
/// Invariants: a merged challenge is a JSON object whose
/// `access_token.xms_cc.values` is exactly the capabilities, with every other
/// member of the challenge kept; errors are one line.
pub fn claims_challenge(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = claims::parse(text) {
        let _ = claims::required_issue_time(&parsed);
    }
    let capabilities = ["cp1".to_owned()];
    match claims::merge(&capabilities, Some(text)) {
        Ok(Some(merged)) => {
            let merged = claims::parse(&merged).expect("a merged challenge is a JSON object");
            assert_eq!(
                merged["access_token"]["xms_cc"],
                serde_json::json!({"values": ["cp1"]})
            );
            if let Ok(original) = claims::parse(text) {
                for name in original.keys().filter(|k| *k != "access_token") {
                    assert_eq!(merged.get(name), original.get(name), "{name}");
                }
            }
        }
        Ok(None) => panic!("capabilities always give claims to send"),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains(['\n', '\r']), "{message:?}");
        }
    }
    assert_eq!(
        claims::merge(&[], Some(text)).ok().flatten().as_deref(),
        Some(text)
    );
}

/// One entry of an MSAL token cache (a file or Redis entry another process
/// wrote), as the client would serve it.
///
/// Invariant: what is served is visible ASCII and lives at most 28 hours
/// from when it was obtained (from now, if that is not known).
pub fn cache_entry(data: &[u8]) {
    let Ok(entry) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Some(token) = from_entry(&entry) else {
        return;
    };
    if let Some(served) = token_body::stored(token, NOW) {
        assert!(served.cached_at <= NOW);
        let obtained = if served.cached_at == 0 {
            NOW
        } else {
            served.cached_at
        };
        assert_servable(&served, obtained);
    }
}

/// What every token handed out satisfies: visible ASCII, at most
/// [`MAX_LIFETIME_SECS`] from `obtained`, refreshed before it expires.
fn assert_servable(token: &CachedToken, obtained: u64) {
    let secret = token.secret.expose_secret();
    assert!(!secret.is_empty() && secret.bytes().all(|b| b.is_ascii_graphic()));
    assert!(token.token_type.bytes().all(|b| b.is_ascii_graphic()));
    let latest = obtained.saturating_add(MAX_LIFETIME_SECS);
    assert!(token.expires_on <= latest, "{token:?}");
    assert!(token.extended_expires_on <= latest, "{token:?}");
    if let Some(refresh_on) = token.refresh_on {
        assert!(refresh_on <= token.expires_on, "{token:?}");
    }
}
