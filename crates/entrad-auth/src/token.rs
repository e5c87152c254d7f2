//! The access token handed to callers.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// An access token. The bearer value is only reachable through
/// [`AccessToken::secret`]; `Debug` redacts it.
///
/// Cheap to clone: copies share the bearer value (zeroized when the last
/// copy is dropped).
#[derive(Clone)]
pub struct AccessToken {
    pub(crate) bearer: Arc<Bearer>,
    pub(crate) expires_on: SystemTime,
    pub(crate) refresh_on: Option<SystemTime>,
    pub(crate) from_cache: bool,
    pub(crate) client_request_id: Option<String>,
}

/// What every copy of a token shares, behind one `Arc`: handing out a cached
/// token then copies a pointer instead of the secret.
pub(crate) struct Bearer {
    pub(crate) secret: SecretString,
    pub(crate) token_type: String,
    /// The fingerprint of the credential that obtained it, when known.
    pub(crate) credential: Option<String>,
}

impl AccessToken {
    /// The bearer token (the only way to see it).
    pub fn secret(&self) -> &str {
        self.bearer.secret.expose_secret()
    }

    /// The token type, normally `Bearer`.
    pub fn token_type(&self) -> &str {
        &self.bearer.token_type
    }

    /// When the token stops being valid: at most 28 hours after it was
    /// obtained (Entra's longest lifetime), however long the service or the
    /// cache said it lives.
    pub fn expires_on(&self) -> SystemTime {
        self.expires_on
    }

    /// When a proactive refresh is due, if the service asked for one (or the
    /// token lives 2 h or more).
    pub fn refresh_on(&self) -> Option<SystemTime> {
        self.refresh_on
    }

    /// True when the token came from the cache without a request.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    /// Which credential obtained the token, when known (`secret:<16 hex
    /// digits of a salted hash>`, `certificate:sha1:<thumbprint>`; see
    /// [`crate::CachedToken::credential`]): `None` for tokens of managed
    /// identities, assertions, and those MSAL apps put in a shared cache.
    pub fn credential(&self) -> Option<&str> {
        self.bearer.credential.as_deref()
    }

    /// The `client-request-id` of the request that obtained the token; `None`
    /// for a token found in the cache.
    pub fn client_request_id(&self) -> Option<&str> {
        self.client_request_id.as_deref()
    }

    /// The decoded JWT payload, NOT verified (for display and diagnostics).
    pub fn claims(&self) -> Result<serde_json::Value> {
        let mut parts = self.secret().split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::InvalidToken("not three dot-separated parts".into()));
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| Error::InvalidToken("the payload is not base64url".into()))?;
        serde_json::from_slice(&bytes)
            .map_err(|_| Error::InvalidToken("the payload is not JSON".into()))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &format_args!("[REDACTED]"))
            .field("token_type", &self.bearer.token_type)
            .field("expires_on", &self.expires_on)
            .field("refresh_on", &self.refresh_on)
            .field("from_cache", &self.from_cache)
            .field("client_request_id", &self.client_request_id)
            .field("credential", &self.bearer.credential)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn token(secret: &str) -> AccessToken {
        AccessToken {
            bearer: Arc::new(Bearer {
                secret: SecretString::from(secret),
                token_type: "Bearer".into(),
                credential: None,
            }),
            expires_on: SystemTime::now() + Duration::from_secs(3600),
            refresh_on: None,
            from_cache: false,
            client_request_id: Some("req".into()),
        }
    }

    #[test]
    fn debug_redacts() {
        let t = token("super-secret-token-value");
        let text = format!("{t:?}");
        assert!(text.starts_with("AccessToken { secret: [REDACTED], "));
        assert!(!text.contains("super-secret-token-value"));
        assert_eq!(t.secret(), "super-secret-token-value");
    }

    #[test]
    fn claims_are_decoded_without_verification() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"appid":"abc","roles":["User.Read.All"]}"#);
        let t = token(&format!("eyJhbGciOiJub25lIn0.{payload}.sig"));
        let claims = t.claims().unwrap();
        assert_eq!(claims["appid"], "abc");
        let err = token("opaque-secret-value").claims().unwrap_err();
        assert!(!err.to_string().contains("opaque-secret-value"));
    }
}
