//! Who signs client assertions: a key in memory, a PKCS#11 token, or a
//! callback to a remote signing service (Key Vault `sign`, a KMS).
//!
//! The models are MSAL.NET's assertion delegates and MSAL Go's
//! `crypto.Signer`: the library builds the JWT, the signer only signs the
//! bytes, so a key that cannot leave its hardware still signs assertions.

mod callback;
mod key;
#[cfg(feature = "pkcs11")]
mod pkcs11;

use std::fmt;

use futures_util::future::BoxFuture;

pub use callback::CallbackSigner;
pub(crate) use key::MemoryKey;
#[cfg(feature = "pkcs11")]
pub use pkcs11::{Pkcs11Key, Pkcs11KeyRef, Pkcs11Signer};

use crate::Result;

/// The JWS algorithm of a client assertion: both are RSA over SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256; the assertion names the certificate
    /// by its SHA-1 (`x5t`), as MSAL's classic certificate credential does.
    Rs256,
    /// RSASSA-PSS with SHA-256 (salt of 32 bytes, MGF1-SHA-256); the
    /// assertion names the certificate by its SHA-256 (`x5t#S256`).
    Ps256,
}

impl SignatureAlgorithm {
    /// The JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Rs256 => "RS256",
            SignatureAlgorithm::Ps256 => "PS256",
        }
    }
}

/// Where the private key behind a signer is held.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyStorage {
    /// In this process's memory (read from a PEM or PKCS#12 file).
    Memory,
    /// In a PKCS#11 token (an HSM, a smart card, SoftHSM2): the key never
    /// leaves it; this process only asks it to sign.
    Hardware {
        /// The token's label.
        token: String,
        /// The key's label (or hex id when it has no label).
        key: String,
    },
    /// Behind a callback (a remote signing service); this process never sees it.
    Remote,
}

impl fmt::Display for KeyStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyStorage::Memory => f.write_str("in memory"),
            KeyStorage::Hardware { token, key } => {
                write!(f, "hardware-held (PKCS#11 token {token:?}, key {key:?})")
            }
            KeyStorage::Remote => f.write_str("remote (signing callback)"),
        }
    }
}

/// Signs client assertions with an RSA key it may never show.
///
/// `message` is the JWS signing input (`base64url(header).base64url(claims)`);
/// the answer is the raw signature (as long as the modulus). Implement it for
/// a signing service of your own, or use [`CallbackSigner`] with a closure.
pub trait Signer: Send + Sync + 'static {
    /// Signs `message` with `algorithm` (hashing it with SHA-256 first).
    fn sign<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>>>;

    /// Where the key is held.
    fn storage(&self) -> KeyStorage;
}
