//! Encryption of cache entries at rest (AES-256-GCM), with a key from the
//! environment.

use std::fmt;

use aes_gcm::aead::{Aead as _, AeadCore as _, KeyInit as _, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The environment variable holding the key: base64 of 32 random bytes, e.g.
/// from `openssl rand -base64 32`. Every process sharing a store needs the same key.
pub const ENCRYPTION_KEY_VAR: &str = "ENTRAD_CACHE_KEY";

const NONCE_LEN: usize = 12;

/// An AES-256-GCM key for cache entries at rest. Each value is sealed with a
/// fresh random nonce and bound to its store key (as associated data), so a
/// value copied under another key does not open. `Debug` shows no key material.
#[derive(Clone)]
pub struct EncryptionKey(Zeroizing<[u8; 32]>);

impl EncryptionKey {
    /// A key from base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<EncryptionKey> {
        let text = text.trim();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .map(Zeroizing::new)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{ENCRYPTION_KEY_VAR} is not base64 (make one with `openssl rand -base64 32`)"
                ))
            })?;
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            Error::Config(format!(
                "{ENCRYPTION_KEY_VAR} must be 32 bytes, base64-encoded (it has {}; make one with `openssl rand -base64 32`)",
                bytes.len()
            ))
        })?;
        Ok(EncryptionKey(Zeroizing::new(key)))
    }

    /// The key in [`ENCRYPTION_KEY_VAR`], `None` when it is unset or empty.
    pub fn from_env() -> Result<Option<EncryptionKey>> {
        match std::env::var(ENCRYPTION_KEY_VAR) {
            Ok(text) if !text.trim().is_empty() => EncryptionKey::from_base64(&text).map(Some),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
                "{ENCRYPTION_KEY_VAR} is not valid text"
            ))),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.0.as_slice()))
    }

    /// `base64(nonce || ciphertext)` of `plaintext`, bound to `aad`.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| Error::Cache {
                message: "cannot encrypt the cache entry".into(),
                source: None,
            })?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// The plaintext of a value from [`EncryptionKey::seal`]; `None` when it
    /// was sealed with another key or for another `aad`, or was altered.
    pub(crate) fn open(&self, sealed: &str, aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let bytes = STANDARD.decode(sealed.trim()).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn seal_and_open() {
        let key = EncryptionKey::from_base64(KEY).unwrap();
        let sealed = key.seal(b"the-token", b"k1").unwrap();
        assert!(!sealed.contains("the-token"));
        assert_ne!(
            sealed,
            key.seal(b"the-token", b"k1").unwrap(),
            "fresh nonce"
        );
        assert_eq!(key.open(&sealed, b"k1").unwrap().as_slice(), b"the-token");
        assert!(key.open(&sealed, b"k2").is_none(), "bound to its key");
        let other = EncryptionKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        assert!(other.open(&sealed, b"k1").is_none());
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(&STANDARD.encode(tampered), b"k1").is_none());
        assert!(key.open("{\"secret\":\"x\"}", b"k1").is_none());
        assert!(!format!("{key:?}").contains(KEY));
    }

    #[test]
    fn bad_keys_are_config_errors() {
        for bad in ["not base64!", "c2hvcnQ="] {
            let e = EncryptionKey::from_base64(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Config);
            assert!(e.to_string().contains(ENCRYPTION_KEY_VAR), "{e}");
        }
        assert!(EncryptionKey::from_base64(&URL_SAFE_NO_PAD.encode([1u8; 32])).is_ok());
    }
}
