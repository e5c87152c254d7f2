//! [`CredentialSpec`]: how the app proves who it is, as the configuration
//! describes it, before any file is read.

use std::path::PathBuf;

use secrecy::SecretString;

/// A file the credential lives in, and where its name came from (for messages).
#[derive(Debug, Clone)]
pub struct FileRef {
    /// The file.
    pub path: PathBuf,
    /// E.g. "--certificate" or "`private_key_file` of parameters.json".
    pub origin: String,
}

/// How the app proves who it is, before any file is read.
#[derive(Debug, Clone)]
pub enum CredentialSpec {
    /// A client secret.
    Secret(SecretString),
    /// One file: PEM with the private key and the certificate, or PFX/PKCS#12.
    Certificate {
        /// The PEM or PFX file.
        file: FileRef,
        /// The PFX password, if any.
        password: Option<SecretString>,
    },
    /// A PEM private key and a PEM certificate in two files.
    KeyAndCertificate {
        /// The private key.
        key: FileRef,
        /// The certificate.
        certificate: FileRef,
    },
    /// The quickstart's certificate variant: private key + SHA-1 thumbprint.
    Thumbprint {
        /// The private key.
        key: FileRef,
        /// SHA-1 of the certificate, hex.
        thumbprint: String,
    },
    /// A client assertion in a file, re-read for every token (workload identity).
    FederatedTokenFile(FileRef),
    /// A key held in a PKCS#11 token, with its certificate stored next to it.
    Pkcs11(Pkcs11Spec),
    /// parameters.json's `ClientCredentials`: tried in order (rotation).
    List(Vec<CredentialSpec>),
}

/// Where a PKCS#11 key is, and its PIN.
#[derive(Debug, Clone)]
pub struct Pkcs11Spec {
    /// The module (shared library).
    pub module: PathBuf,
    /// The token's label, when given.
    pub token: Option<String>,
    /// The key's label or `id:HEX`.
    pub key: String,
    /// The user PIN.
    pub pin: SecretString,
}
