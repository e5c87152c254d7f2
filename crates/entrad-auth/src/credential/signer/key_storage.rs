//! [`KeyStorage`]: where the private key behind a signer is held.

use std::fmt;

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
