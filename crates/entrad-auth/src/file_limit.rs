//! The size bounds of the files a credential is made of; they are read with
//! entrad-http's [`read_bounded`] (regular files only, never waiting on a FIFO).

pub use entrad_http::read_bounded;
pub(crate) use entrad_http::read_bounded_async;

/// The most a federated token file (`AZURE_FEDERATED_TOKEN_FILE`, read by
/// [`crate::Credential::assertion_file`]) may hold: 64 KiB. Kubernetes
/// projected service account tokens and CI OIDC tokens are JWTs of 1 to 2 KB.
pub const ASSERTION_FILE_LIMIT: u64 = 64 * 1024;

/// The most a certificate, private key, PKCS#12/PFX file or CA bundle may
/// hold: 1 MiB. A key with a chain of certificates is a few KB; the whole
/// Mozilla CA bundle is about 220 KB.
pub const CERTIFICATE_FILE_LIMIT: u64 = 1024 * 1024;
