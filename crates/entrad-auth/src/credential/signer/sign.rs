//! The [`Signer`] trait: what signs a client assertion's bytes.

use futures_util::future::BoxFuture;

use super::{KeyStorage, SignatureAlgorithm};
use crate::Result;

/// Signs client assertions with an RSA key it may never show.
///
/// `message` is the JWS signing input (`base64url(header).base64url(claims)`);
/// the answer is the raw signature (as long as the modulus). Implement it for
/// a signing service of your own, or use [`CallbackSigner`](super::CallbackSigner) with a closure.
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
