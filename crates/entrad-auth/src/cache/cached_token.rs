//! [`CachedToken`]: a cached access token, its secret redacted from `Debug`.

use std::fmt;

use secrecy::SecretString;

/// A cached access token. Times are epoch seconds, as MSAL stores them.
#[derive(Clone)]
pub struct CachedToken {
    /// The access token.
    pub secret: SecretString,
    /// Normally `Bearer`.
    pub token_type: String,
    /// When it was obtained.
    pub cached_at: u64,
    /// When it expires.
    pub expires_on: u64,
    /// When it expires for use during a service outage (`ext_expires_in`).
    pub extended_expires_on: u64,
    /// When a proactive refresh is due.
    pub refresh_on: Option<u64>,
    /// Which credential obtained it, when known: `secret:<16 hex digits of a
    /// salted SHA-256 of the secret>` or `certificate:sha1:<thumbprint>`
    /// (`sha256` for a certificate named by its SHA-256), never the secret
    /// itself. The client gets a token with its own credential rather than
    /// serve one another credential obtained (a mistyped secret then fails
    /// at once, not when the cached token expires). `None` for tokens from
    /// MSAL apps or an assertion.
    pub credential: Option<String>,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("secret", &format_args!("[REDACTED]"))
            .field("token_type", &self.token_type)
            .field("cached_at", &self.cached_at)
            .field("expires_on", &self.expires_on)
            .field("extended_expires_on", &self.extended_expires_on)
            .field("refresh_on", &self.refresh_on)
            .field("credential", &self.credential)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;

    #[test]
    fn cached_token_debug_redacts() {
        let t = fixtures::token("cached-secret-token");
        assert!(!format!("{t:?}").contains("cached-secret-token"));
    }
}
