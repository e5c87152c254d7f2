//! The consented app's key and certificate as PKCS#12 (`app-cert.pfx`), for clients
//! that take a PFX (azure-identity's `AZURE_CLIENT_CERTIFICATE_PATH`, MSAL Python's
//! `private_key_pfx_path`). Encrypted the way current tools expect (OpenSSL 3,
//! Windows, Java, Python's cryptography): PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256,
//! and an HMAC-SHA256 integrity MAC; p12-keystore's defaults.

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use sha1::{Digest, Sha1};

use crate::error::{Error, Result};
use crate::files::{StateDir, names, write_atomic};

/// The password of the state directory's `app-cert.pfx`. Fixed and documented: the
/// file is a test credential of an emulated tenant, like the secrets next to it.
pub const APP_PFX_PASSWORD: &str = "entrad-emulator";

/// The friendly name of the key entry.
const ALIAS: &str = "entrad-daemon";

/// Writes `app-cert.pfx` from the app's PKCS#8 key and DER certificate.
pub(crate) fn write(dir: &StateDir, pkcs8: &[u8], certificate: &[u8]) -> Result<()> {
    let key =
        PrivateKey::from_der(pkcs8).map_err(|e| Error::crypto("cannot read the app key", e))?;
    let certificate = Certificate::from_der(certificate)
        .map_err(|e| Error::crypto("cannot read the app certificate", e))?;
    // The local key id ties the key to its certificate; by convention the SHA-1 thumbprint.
    let local_key_id = Sha1::digest(certificate.as_der()).to_vec();
    let chain = PrivateKeyChain::new(local_key_id, key, [certificate]);
    let mut store = KeyStore::new();
    store.add_entry(ALIAS, KeyStoreEntry::PrivateKeyChain(chain));
    let der = store
        .writer(APP_PFX_PASSWORD)
        .write()
        .map_err(|e| Error::crypto("cannot write app-cert.pfx", e))?;
    write_atomic(&dir.file(names::APP_PFX), &der, true)
}
