//! Which credential obtained a token, recorded with it in the cache: a
//! fingerprint that names the credential without revealing it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret as _;
use sha2::{Digest as _, Sha256};

use super::certificate::Thumbprint;
use super::{Credential, Source};

/// Salts every secret's hash, so that a fingerprint matches no hash of the
/// same secret made for another purpose.
const SECRET_SALT: &[u8] = b"entrad credential fingerprint v1\0";

impl Credential {
    /// The fingerprint of this credential as `client_id` presents it:
    /// `secret:` and 16 hex digits (64 bits) of a SHA-256 of a salt, the
    /// client id and the secret (a client secret is random: it cannot be
    /// recovered from them, and a mistyped one differs); a certificate's
    /// thumbprint, `certificate:sha1:<hex>` (what the portal shows) or
    /// `certificate:sha256:<hex>`. `None` for assertions (they change by
    /// design, their issuer vouches for them) and lists (whichever entry
    /// works). A credential loaded again when its files change gives its
    /// current one.
    pub(crate) fn fingerprint(&self, client_id: &str) -> Option<String> {
        match &self.source {
            Source::Secret(secret) => {
                let digest = Sha256::new()
                    .chain_update(SECRET_SALT)
                    .chain_update(client_id.as_bytes())
                    .chain_update([0])
                    .chain_update(secret.expose_secret().as_bytes())
                    .finalize();
                Some(format!("secret:{}", hex(&digest[..8])))
            }
            Source::Certificate(cert) => {
                let (alg, base64) = match &cert.thumbprint {
                    Thumbprint::Sha1(t) => ("sha1", t),
                    Thumbprint::Sha256(t) => ("sha256", t),
                };
                let bytes = URL_SAFE_NO_PAD.decode(base64).ok()?;
                Some(format!("certificate:{alg}:{}", hex(&bytes).to_uppercase()))
            }
            Source::AssertionFile(_) | Source::AssertionCallback(_) | Source::List(_) => None,
            Source::Reloading(reloading) => reloading.current().fingerprint(client_id),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_named_without_being_revealed() {
        let right = Credential::secret("the-right-secret-value");
        let fingerprint = right.fingerprint("app").unwrap();
        assert!(fingerprint.starts_with("secret:"), "{fingerprint}");
        assert_eq!(fingerprint.len(), "secret:".len() + 16);
        assert!(!fingerprint.contains("right"));
        assert_eq!(right.fingerprint("app"), Some(fingerprint.clone()));
        let typo = Credential::secret("the-right-secret-valu");
        assert_ne!(typo.fingerprint("app"), Some(fingerprint.clone()));
        assert_ne!(right.fingerprint("other-app"), Some(fingerprint));
    }

    #[test]
    fn assertions_have_none() {
        assert!(
            Credential::assertion_callback(|| Ok("a".into()))
                .fingerprint("app")
                .is_none()
        );
    }
}
