//! How the app proves who it is: a secret, a certificate, or a client assertion.

mod assertion;
mod azure_cli;
mod certificate;
pub(crate) mod chain;
mod expiry;
mod fingerprint;
mod list;
pub(crate) mod managed_identity;
mod name;
mod reload;
mod signer;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::file_limit::{ASSERTION_FILE_LIMIT, read_bounded_async};
use crate::{Error, Result};
use certificate::SigningCertificate;
pub use expiry::EXPIRY_WARNING;
pub use list::CREDENTIAL_NO_LONGER_VALID;
pub(crate) use list::try_in_turn;
pub use signer::{CallbackSigner, KeyStorage, SignatureAlgorithm, Signer};
#[cfg(feature = "pkcs11")]
pub use signer::{Pkcs11Key, Pkcs11KeyRef, Pkcs11Signer};

type AssertionFn = dyn Fn() -> Result<String> + Send + Sync;

#[derive(Clone)]
enum Source {
    Secret(SecretString),
    Certificate(Arc<SigningCertificate>),
    AssertionFile(PathBuf),
    AssertionCallback(Arc<AssertionFn>),
    List(Arc<list::CredentialList<Credential>>),
    Reloading(Arc<reload::Reloading<Credential>>),
}

/// The app's credential. Cheap to clone; `Debug` never shows secret material.
///
/// ```
/// use entrad_auth::Credential;
///
/// let credential = Credential::secret("the secret's Value");
/// assert_eq!(format!("{credential:?}"), "Credential::Secret([REDACTED])");
///
/// let err = Credential::private_key_with_thumbprint(b"-----BEGIN ENCRYPTED PRIVATE KEY-----", "00")
///     .unwrap_err();
/// assert!(err.to_string().contains("the private key is encrypted"));
/// ```
#[derive(Clone)]
pub struct Credential {
    source: Source,
    send_x5c: bool,
}

/// What goes into the token request's form for this credential.
pub(crate) enum ClientAuth {
    Secret(SecretString),
    Assertion(SecretString),
}

impl ClientAuth {
    /// The secret value sent, so that an echo of it can be scrubbed from errors.
    pub(crate) fn sent_secret(&self) -> &str {
        match self {
            ClientAuth::Secret(s) | ClientAuth::Assertion(s) => s.expose_secret(),
        }
    }
}

impl Credential {
    /// A client secret (the secret's *Value* from the portal, not its *Secret ID*).
    pub fn secret(secret: impl Into<String>) -> Credential {
        Credential::from_source(Source::Secret(SecretString::from(secret.into())))
    }

    /// PEM private key (PKCS#8 or PKCS#1) + PEM certificate (or chain, leaf
    /// anywhere in it): assertions are signed PS256 with `x5t#S256`.
    pub fn certificate_pem(private_key_pem: &[u8], certificate_pem: &[u8]) -> Result<Credential> {
        let cert = SigningCertificate::from_pem(private_key_pem, certificate_pem)?;
        Ok(Credential::from_source(Source::Certificate(Arc::new(cert))))
    }

    /// The quickstart's `private_key_file` + `thumbprint` (SHA-1 hex, with or
    /// without colons, either case): assertions are signed RS256 with `x5t`.
    pub fn private_key_with_thumbprint(
        private_key_pem: &[u8],
        sha1_thumbprint_hex: &str,
    ) -> Result<Credential> {
        let cert = SigningCertificate::from_thumbprint(private_key_pem, sha1_thumbprint_hex)?;
        Ok(Credential::from_source(Source::Certificate(Arc::new(cert))))
    }

    /// PKCS#12 / PFX bytes with their password (RSA key + certificate):
    /// assertions are signed PS256 with `x5t#S256`.
    pub fn pkcs12(der: &[u8], password: &str) -> Result<Credential> {
        let cert = SigningCertificate::from_pkcs12(der, password)?;
        Ok(Credential::from_source(Source::Certificate(Arc::new(cert))))
    }

    /// A key held by `signer` (a PKCS#11 token, a remote signing service)
    /// with its DER certificate; assertions are signed with `algorithm`
    /// (PS256 with `x5t#S256`, or RS256 with the SHA-1 `x5t`). The library
    /// builds each assertion and only asks the signer to sign it (MSAL Go's
    /// `crypto.Signer`, MSAL.NET's assertion delegate).
    pub fn signer(
        signer: impl Signer,
        certificate_der: Vec<u8>,
        algorithm: SignatureAlgorithm,
    ) -> Result<Credential> {
        let cert = SigningCertificate::from_signer(Arc::new(signer), certificate_der, algorithm)?;
        Ok(Credential::from_source(Source::Certificate(Arc::new(cert))))
    }

    /// A key that never leaves a PKCS#11 token, with the certificate stored
    /// next to it in the token (feature `pkcs11`). The session is opened and
    /// the key and certificate found now, so a wrong PIN, label or module is
    /// an error here rather than at the first token request.
    #[cfg(feature = "pkcs11")]
    pub fn pkcs11(key: &Pkcs11Key, algorithm: SignatureAlgorithm) -> Result<Credential> {
        let (signer, certificate) = Pkcs11Signer::open(key)?;
        Credential::signer(signer, certificate, algorithm)
    }

    /// Several credentials tried in order, for rotation without downtime (the
    /// model is Microsoft.Identity.Web's `ClientCredentials` array of
    /// credential descriptions). A token request uses the credential that
    /// worked last; when the token service refuses it as no longer valid
    /// (AADSTS7000222 expired secret, 700027 unknown or invalid certificate,
    /// 7000215 wrong or deleted secret: [`CREDENTIAL_NO_LONGER_VALID`]), or
    /// it is a certificate already expired, the next one is tried and, when
    /// accepted, remembered by this credential and its clones. Other errors
    /// are returned at once. An empty list is a configuration error.
    pub fn list(credentials: Vec<Credential>) -> Result<Credential> {
        let list = list::CredentialList::new(credentials)?;
        Ok(Credential::from_source(Source::List(Arc::new(list))))
    }

    /// `initial`, loaded from `paths` by `load`, and loaded again by `load`
    /// before a token request when one of the files changed (modification
    /// time, length or inode): certificate, key and secret files rotated in
    /// place are picked up without a restart. A changed file that cannot be
    /// loaded leaves the previous credential in use, with a warning.
    pub fn reloading(
        initial: Credential,
        paths: Vec<PathBuf>,
        load: impl Fn() -> Result<Credential> + Send + Sync + 'static,
    ) -> Credential {
        let reloading = reload::Reloading::new(initial, paths, load);
        Credential::from_source(Source::Reloading(Arc::new(reloading)))
    }

    /// A client secret read from a file (a mounted secret, say), read again
    /// when the file changes; surrounding whitespace is ignored. A file larger
    /// than [`ASSERTION_FILE_LIMIT`](crate::ASSERTION_FILE_LIMIT) or empty is
    /// refused.
    pub fn secret_file(path: impl Into<PathBuf>) -> Result<Credential> {
        let path = path.into();
        let load = {
            let path = path.clone();
            move || -> Result<Credential> {
                let cannot_read = |e: std::io::Error| {
                    Error::credential(
                        format!("cannot read the client secret file {}", path.display()),
                        e,
                    )
                };
                let bytes =
                    crate::read_bounded(&path, ASSERTION_FILE_LIMIT).map_err(cannot_read)?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    cannot_read(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "it is not UTF-8 text",
                    ))
                })?;
                let secret = text.trim();
                if secret.is_empty() {
                    return Err(Error::Credential(format!(
                        "the client secret file {} is empty",
                        path.display()
                    )));
                }
                Ok(Credential::secret(secret))
            }
        };
        let initial = load()?;
        Ok(Credential::reloading(initial, vec![path], load))
    }

    /// The credentials of a list, `None` for a single credential.
    pub(crate) fn as_list(&self) -> Option<&list::CredentialList<Credential>> {
        match &self.source {
            Source::List(list) => Some(list),
            _ => None,
        }
    }

    /// Where the private key is held, for a credential that signs
    /// assertions with one (`None` for secrets and assertions).
    pub fn key_storage(&self) -> Option<KeyStorage> {
        match &self.source {
            Source::Certificate(cert) => Some(cert.key.storage()),
            Source::List(list) => list.entries.iter().find_map(Credential::key_storage),
            Source::Reloading(reloading) => reloading.current().key_storage(),
            _ => None,
        }
    }

    /// A client assertion read from a file on every request, e.g.
    /// `AZURE_FEDERATED_TOKEN_FILE` (workload identity): the platform rotates
    /// the file, so it is never cached. A file larger than
    /// [`ASSERTION_FILE_LIMIT`](crate::ASSERTION_FILE_LIMIT) (64 KiB) is
    /// refused with a configuration error, having read no more than that.
    pub fn assertion_file(path: impl Into<PathBuf>) -> Credential {
        Credential::from_source(Source::AssertionFile(path.into()))
    }

    /// A callback producing a fresh client assertion on every request. It runs
    /// on the requesting task, so it should be quick (or cache itself).
    pub fn assertion_callback(
        f: impl Fn() -> Result<String> + Send + Sync + 'static,
    ) -> Credential {
        Credential::from_source(Source::AssertionCallback(Arc::new(f)))
    }

    /// Send the `x5c` certificate chain header too (subject-name/issuer
    /// authentication). Default off; only has an effect for certificate
    /// credentials with a certificate (not for a bare thumbprint).
    pub fn send_x5c(mut self, yes: bool) -> Credential {
        self.send_x5c = yes;
        self
    }

    fn from_source(source: Source) -> Credential {
        Credential {
            source,
            send_x5c: false,
        }
    }

    /// The form fields for one token request to `token_endpoint`.
    pub(crate) async fn client_auth(
        &self,
        client_id: &str,
        token_endpoint: &Url,
    ) -> Result<ClientAuth> {
        match &self.source {
            Source::Secret(secret) if secret.expose_secret().trim().is_empty() => Err(
                Error::Credential("the client secret is empty: give the secret's Value".into()),
            ),
            Source::Secret(secret) => Ok(ClientAuth::Secret(secret.clone())),
            Source::Certificate(cert) => {
                let now = SystemTime::now();
                expiry::check(cert, now)?;
                assertion::sign(cert, client_id, token_endpoint, self.send_x5c, now)
                    .await
                    .map(ClientAuth::Assertion)
            }
            Source::AssertionFile(path) => {
                let cannot_read = |e: std::io::Error| {
                    Error::credential(
                        format!("cannot read the client assertion file {}", path.display()),
                        e,
                    )
                };
                let bytes = read_bounded_async(path, ASSERTION_FILE_LIMIT)
                    .await
                    .map_err(cannot_read)?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    cannot_read(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "it is not UTF-8 text",
                    ))
                })?;
                non_empty_assertion(text, || {
                    format!("the client assertion file {} is empty", path.display())
                })
            }
            Source::AssertionCallback(callback) => non_empty_assertion(callback()?, || {
                "the client assertion callback returned an empty assertion".to_string()
            }),
            // Token requests go through `try_in_turn`; the first entry otherwise.
            Source::List(list) => {
                Box::pin(list.entries[0].client_auth(client_id, token_endpoint)).await
            }
            Source::Reloading(reloading) => {
                let current = reloading.current();
                Box::pin(current.client_auth(client_id, token_endpoint)).await
            }
        }
    }
}

impl list::Expiring for Credential {
    /// Whether this is a certificate whose end is past at `now`.
    fn expired_at(&self, now: SystemTime) -> bool {
        match &self.source {
            Source::Certificate(cert) => expiry::expired(cert, now),
            Source::Reloading(reloading) => reloading.current().expired_at(now),
            _ => false,
        }
    }
}

fn non_empty_assertion(text: String, empty: impl FnOnce() -> String) -> Result<ClientAuth> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::Credential(empty()));
    }
    Ok(ClientAuth::Assertion(SecretString::from(
        trimmed.to_string(),
    )))
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Secret(_) => f.write_str("Credential::Secret([REDACTED])"),
            Source::Certificate(cert) => f
                .debug_tuple("Credential::Certificate")
                .field(cert)
                .field(&format_args!("send_x5c: {}", self.send_x5c))
                .finish(),
            Source::AssertionFile(path) => f
                .debug_tuple("Credential::AssertionFile")
                .field(path)
                .finish(),
            Source::AssertionCallback(_) => f.write_str("Credential::AssertionCallback(..)"),
            Source::List(list) => f
                .debug_tuple("Credential::List")
                .field(&list.entries)
                .finish(),
            Source::Reloading(reloading) => f
                .debug_tuple("Credential::Reloading")
                .field(&reloading.paths())
                .field(&reloading.last())
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Url {
        Url::parse("https://127.0.0.1:1/t/oauth2/v2.0/token").unwrap()
    }

    #[tokio::test]
    async fn secret_is_sent_and_never_shown() {
        let c = Credential::secret("hunter2-secret-value");
        assert!(!format!("{c:?}").contains("hunter2"));
        let auth = c.client_auth("id", &endpoint()).await.unwrap();
        assert!(matches!(auth, ClientAuth::Secret(_)));
        assert_eq!(auth.sent_secret(), "hunter2-secret-value");
        let empty = Credential::secret(" ");
        let e = empty.client_auth("id", &endpoint()).await.err().unwrap();
        assert!(e.to_string().contains("the client secret is empty"));
    }

    #[tokio::test]
    async fn assertion_file_is_read_on_every_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "first-assertion\n").unwrap();
        let c = Credential::assertion_file(&path);
        let auth = c.client_auth("id", &endpoint()).await.unwrap();
        assert_eq!(auth.sent_secret(), "first-assertion");
        std::fs::write(&path, "second-assertion").unwrap();
        let auth = c.client_auth("id", &endpoint()).await.unwrap();
        assert_eq!(auth.sent_secret(), "second-assertion");
        assert!(!format!("{c:?}").contains("assertion\""));

        std::fs::write(&path, "  \n").unwrap();
        let e = c.client_auth("id", &endpoint()).await.err().unwrap();
        assert!(e.to_string().contains("is empty"));
        let missing = Credential::assertion_file(dir.path().join("missing"));
        let e = missing.client_auth("id", &endpoint()).await.err().unwrap();
        assert!(
            e.to_string()
                .contains("cannot read the client assertion file")
        );
        assert_eq!(e.kind(), crate::ErrorKind::Config);
    }

    #[tokio::test]
    async fn an_oversized_assertion_file_is_refused_with_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, vec![b'a'; 64 * 1024 + 1]).unwrap();
        let c = Credential::assertion_file(&path);
        let e = c.client_auth("id", &endpoint()).await.err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "credential error: cannot read the client assertion file {}",
                path.display()
            )
        );
        let cause = std::error::Error::source(&e).expect("the I/O error is the source");
        let io = cause
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.to_string(), "it is larger than the limit of 64 KiB");
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        std::fs::write(&path, vec![b'a'; 64 * 1024]).unwrap();
        let auth = c.client_auth("id", &endpoint()).await.unwrap();
        assert_eq!(auth.sent_secret().len(), 64 * 1024);
        #[cfg(unix)]
        {
            let e = Credential::assertion_file("/dev/zero")
                .client_auth("id", &endpoint())
                .await
                .err()
                .unwrap();
            let cause = std::error::Error::source(&e).map(ToString::to_string);
            assert_eq!(
                cause.as_deref(),
                Some("it is a character device, not a regular file"),
                "{e:?}"
            );
        }
    }

    #[tokio::test]
    async fn assertion_callback_is_called_each_time() {
        let counter = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let seen = counter.clone();
        let c = Credential::assertion_callback(move || {
            let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(format!("assertion-{n}"))
        });
        assert_eq!(
            c.client_auth("id", &endpoint())
                .await
                .unwrap()
                .sent_secret(),
            "assertion-0"
        );
        assert_eq!(
            c.client_auth("id", &endpoint())
                .await
                .unwrap()
                .sent_secret(),
            "assertion-1"
        );
        let failing =
            Credential::assertion_callback(|| Err(Error::Credential("no token yet".into())));
        let e = failing.client_auth("id", &endpoint()).await.err().unwrap();
        assert!(e.to_string().contains("no token yet"));
        assert_eq!(format!("{failing:?}"), "Credential::AssertionCallback(..)");
    }
}
