//! Turning a credential description into an entrad-auth `Credential`, reading its files.

use std::path::Path;

use entrad_auth::{
    ASSERTION_FILE_LIMIT, CERTIFICATE_FILE_LIMIT, Credential, Pkcs11Key, Pkcs11KeyRef,
    SignatureAlgorithm, read_bounded,
};
use secrecy::ExposeSecret;

use super::credential_spec::{CredentialSpec, FileRef};
use crate::error::Error;

/// Reads the files `spec` names and builds the credential; every failure
/// names the file and where its name came from. Certificate and key files
/// are read again when they change (rotation without a restart); a list
/// tries its credentials in turn.
pub fn load_credential(spec: &CredentialSpec) -> Result<Credential, Error> {
    match spec {
        CredentialSpec::List(specs) => {
            let credentials = specs
                .iter()
                .map(load_credential)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Credential::list(credentials)?)
        }
        CredentialSpec::Certificate { file, .. } => reloading(spec, vec![file.path.clone()]),
        CredentialSpec::KeyAndCertificate { key, certificate } => {
            reloading(spec, vec![key.path.clone(), certificate.path.clone()])
        }
        CredentialSpec::Thumbprint { key, .. } => reloading(spec, vec![key.path.clone()]),
        _ => load_once(spec),
    }
}

/// The credential of `spec`, loaded again when one of `paths` changes.
fn reloading(spec: &CredentialSpec, paths: Vec<std::path::PathBuf>) -> Result<Credential, Error> {
    let initial = load_once(spec)?;
    let spec = spec.clone();
    Ok(Credential::reloading(initial, paths, move || {
        load_once(&spec).map_err(|e| entrad_auth::Error::Credential(e.to_string()))
    }))
}

/// Reads the files of `spec` once and builds its credential.
fn load_once(spec: &CredentialSpec) -> Result<Credential, Error> {
    match spec {
        CredentialSpec::List(_) => load_credential(spec),
        CredentialSpec::Secret(secret) => Ok(Credential::secret(secret.expose_secret())),
        CredentialSpec::Certificate { file, password } => {
            let bytes = read(file, CERTIFICATE_FILE_LIMIT)?;
            if is_pkcs12(&file.path, &bytes) {
                let secret = password.as_ref().map(|p| p.expose_secret()).unwrap_or("");
                return Credential::pkcs12(&bytes, secret)
                    .map_err(|e| invalid_pfx(file, &e, password.is_some()));
            }
            // azure-identity's PEM holds the key and the certificate in one file.
            Credential::certificate_pem(&bytes, &bytes).map_err(|e| invalid(file, &e))
        }
        CredentialSpec::KeyAndCertificate { key, certificate } => {
            let key_pem = read(key, CERTIFICATE_FILE_LIMIT)?;
            let certificate_pem = read(certificate, CERTIFICATE_FILE_LIMIT)?;
            Credential::certificate_pem(&key_pem, &certificate_pem).map_err(|e| invalid(key, &e))
        }
        CredentialSpec::Thumbprint { key, thumbprint } => {
            let key_pem = read(key, CERTIFICATE_FILE_LIMIT)?;
            Credential::private_key_with_thumbprint(&key_pem, thumbprint)
                .map_err(|e| invalid(key, &e))
        }
        CredentialSpec::Pkcs11(spec) => {
            let mut key = Pkcs11Key::new(
                spec.module.clone(),
                Pkcs11KeyRef::parse(&spec.key),
                spec.pin.clone(),
            );
            if let Some(token) = &spec.token {
                key = key.token(token.clone());
            }
            // The library's error keeps the module's own reason in source().
            Ok(Credential::pkcs11(&key, SignatureAlgorithm::Ps256)?)
        }
        CredentialSpec::FederatedTokenFile(file) => {
            // Read once now so a wrong path is a configuration error, not a token failure later.
            read(file, ASSERTION_FILE_LIMIT)?;
            Ok(Credential::assertion_file(file.path.clone()))
        }
    }
}

/// Reads a credential file of at most `limit` bytes.
fn read(file: &FileRef, limit: u64) -> Result<Vec<u8>, Error> {
    read_bounded(&file.path, limit).map_err(|e| {
        Error::Config(format!(
            "cannot read {} ({}): {e}",
            file.origin,
            file.path.display()
        ))
    })
}

fn invalid(file: &FileRef, error: &entrad_auth::Error) -> Error {
    Error::Config(format!(
        "{} ({}): {error}",
        file.origin,
        file.path.display()
    ))
}

/// A PFX that cannot be used: most often its password, so say where that comes from.
fn invalid_pfx(file: &FileRef, error: &entrad_auth::Error, password_given: bool) -> Error {
    let fix = if password_given {
        "check the password (--certificate-password or AZURE_CLIENT_CERTIFICATE_PASSWORD)"
    } else {
        "no password was given: set AZURE_CLIENT_CERTIFICATE_PASSWORD or pass --certificate-password"
    };
    Error::Config(format!(
        "{} ({}): {error}; {fix}",
        file.origin,
        file.path.display()
    ))
}

/// PFX by extension, else by content: PEM is text starting with `-----BEGIN`.
fn is_pkcs12(path: &Path, bytes: &[u8]) -> bool {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pfx" | "p12") => true,
        Some("pem" | "crt" | "cer" | "key") => false,
        _ => !bytes.trim_ascii_start().starts_with(b"-----BEGIN"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_pfx_from_pem() {
        assert!(is_pkcs12(Path::new("a.PFX"), b"-----BEGIN"));
        assert!(!is_pkcs12(Path::new("a.pem"), &[0x30, 0x82]));
        assert!(is_pkcs12(Path::new("cert"), &[0x30, 0x82]));
        assert!(!is_pkcs12(
            Path::new("cert"),
            b"\n-----BEGIN PRIVATE KEY-----"
        ));
    }

    #[test]
    fn a_missing_key_file_names_the_file_and_its_origin() {
        let spec = CredentialSpec::Thumbprint {
            key: FileRef {
                path: "/nonexistent/key.pem".into(),
                origin: "`private_key_file` of p.json".into(),
            },
            thumbprint: "AB".into(),
        };
        let err = load_credential(&spec).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot read `private_key_file` of p.json (/nonexistent/key.pem): "),
            "{err}"
        );
    }
}
