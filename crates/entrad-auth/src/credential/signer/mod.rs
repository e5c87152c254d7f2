//! Who signs client assertions: a key in memory, a PKCS#11 token, or a
//! callback to a remote signing service (Key Vault `sign`, a KMS).
//!
//! The models are MSAL.NET's assertion delegates and MSAL Go's
//! `crypto.Signer`: the library builds the JWT, the signer only signs the
//! bytes, so a key that cannot leave its hardware still signs assertions.

mod callback;
mod key;
mod key_storage;
#[cfg(feature = "pkcs11")]
mod pkcs11;
mod sign;
mod signature_algorithm;

pub use callback::CallbackSigner;
pub(crate) use key::MemoryKey;
pub use key_storage::KeyStorage;
#[cfg(feature = "pkcs11")]
pub use pkcs11::{Pkcs11Key, Pkcs11KeyRef, Pkcs11Signer};
pub use sign::Signer;
pub use signature_algorithm::SignatureAlgorithm;
