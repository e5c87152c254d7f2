//! An RSA key read from a PEM or PKCS#12 file, held in memory.

use futures_util::future::{BoxFuture, FutureExt as _};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaEncoding, RsaKeyPair};

use super::{KeyStorage, SignatureAlgorithm, Signer};
use crate::{Error, Result};

/// A key the process holds (ring signs with it).
pub(crate) struct MemoryKey(pub(crate) RsaKeyPair);

impl MemoryKey {
    fn sign_now(&self, algorithm: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        let encoding: &'static dyn RsaEncoding = match algorithm {
            SignatureAlgorithm::Rs256 => &RSA_PKCS1_SHA256,
            SignatureAlgorithm::Ps256 => &RSA_PSS_SHA256,
        };
        let mut signature = vec![0u8; self.0.public().modulus_len()];
        self.0
            .sign(encoding, &SystemRandom::new(), message, &mut signature)
            .map_err(|_| Error::Credential("signing the client assertion failed".into()))?;
        Ok(signature)
    }
}

impl Signer for MemoryKey {
    fn sign<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>>> {
        let signed = self.sign_now(algorithm, message);
        async move { signed }.boxed()
    }

    fn storage(&self) -> KeyStorage {
        KeyStorage::Memory
    }
}
