//! A signer that hands the bytes to a caller's function: a Key Vault `sign`
//! call, a KMS, an agent on another host.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt as _};

use super::{KeyStorage, SignatureAlgorithm, Signer};
use crate::Result;

type SignFn =
    dyn Fn(SignatureAlgorithm, Vec<u8>) -> BoxFuture<'static, Result<Vec<u8>>> + Send + Sync;

/// A [`Signer`] that calls an async function with the algorithm and the bytes
/// to sign (MSAL.NET's assertion delegate, at the level of the signature).
///
/// ```
/// use entrad_auth::{CallbackSigner, SignatureAlgorithm};
///
/// let signer = CallbackSigner::new(|algorithm, message| async move {
///     assert_eq!(algorithm, SignatureAlgorithm::Ps256);
///     // e.g. POST {vault}/keys/{name}/sign {"alg":"PS256","value":base64url(SHA-256(message))}
///     Ok(vec![0u8; 256])
/// });
/// # let _ = signer;
/// ```
#[derive(Clone)]
pub struct CallbackSigner {
    sign: Arc<SignFn>,
}

impl CallbackSigner {
    /// A signer calling `sign(algorithm, message)` for every assertion; the
    /// future may do network I/O (it runs on the requesting task).
    pub fn new<F, Fut>(sign: F) -> CallbackSigner
    where
        F: Fn(SignatureAlgorithm, Vec<u8>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<u8>>> + Send + 'static,
    {
        CallbackSigner {
            sign: Arc::new(move |algorithm, message| sign(algorithm, message).boxed()),
        }
    }
}

impl Signer for CallbackSigner {
    fn sign<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>>> {
        (self.sign)(algorithm, message.to_vec())
    }

    fn storage(&self) -> KeyStorage {
        KeyStorage::Remote
    }
}

impl std::fmt::Debug for CallbackSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackSigner(..)")
    }
}
