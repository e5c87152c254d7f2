//! systemd credentials: with `LoadCredential=` (or `LoadCredentialEncrypted=`,
//! `SetCredential=`) systemd puts each credential in a file of a private,
//! read-only directory and names it in `$CREDENTIALS_DIRECTORY`. entrad reads:
//!
//! | file | stands for |
//! |---|---|
//! | `client-secret` | `AZURE_CLIENT_SECRET` (a trailing newline is dropped) |
//! | `client-certificate` | `AZURE_CLIENT_CERTIFICATE_PATH` (PEM with key and certificate, or PFX) |
//! | `client-certificate-password` | `AZURE_CLIENT_CERTIFICATE_PASSWORD` (a trailing newline is dropped) |
//!
//! They sit at the environment's level of precedence (over parameters.json,
//! under flags) and fill in what the `AZURE_*` variables leave unset. Files
//! that are absent are simply not used.

use std::path::Path;

use entrad_auth::{ASSERTION_FILE_LIMIT, read_bounded};
use secrecy::SecretString;

use super::EnvConfig;
use crate::error::Error;

/// The variable systemd sets for a unit with credentials.
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";

/// The client secret's file name.
pub const CLIENT_SECRET: &str = "client-secret";
/// The certificate's file name.
pub const CLIENT_CERTIFICATE: &str = "client-certificate";
/// The PFX password's file name.
pub const CLIENT_CERTIFICATE_PASSWORD: &str = "client-certificate-password";

/// Fills `env` from the files of `$CREDENTIALS_DIRECTORY`, when it is set.
pub fn apply_from_process(env: &mut EnvConfig) -> Result<(), Error> {
    match std::env::var_os(CREDENTIALS_DIRECTORY) {
        Some(dir) if !dir.is_empty() => apply(env, Path::new(&dir)),
        _ => Ok(()),
    }
}

/// Fills what `env` leaves unset from the credential files in `dir`.
pub fn apply(env: &mut EnvConfig, dir: &Path) -> Result<(), Error> {
    if env.client_secret.is_none() {
        env.client_secret = read_secret(dir, CLIENT_SECRET)?;
    }
    if env.certificate_path.is_none() {
        let certificate = dir.join(CLIENT_CERTIFICATE);
        if certificate.is_file() {
            env.certificate_path = Some(certificate);
        }
    }
    if env.certificate_password.is_none() {
        env.certificate_password = read_secret(dir, CLIENT_CERTIFICATE_PASSWORD)?;
    }
    Ok(())
}

/// The content of `dir/name` without its trailing newline; `None` when the file does not exist.
fn read_secret(dir: &Path, name: &str) -> Result<Option<SecretString>, Error> {
    let path = dir.join(name);
    let bytes = match read_bounded(&path, ASSERTION_FILE_LIMIT) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot read the systemd credential {} ($CREDENTIALS_DIRECTORY): {e}",
                path.display()
            )));
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::Config(format!(
            "the systemd credential {} ($CREDENTIALS_DIRECTORY) is not UTF-8 text",
            path.display()
        ))
    })?;
    let value = text.strip_suffix('\n').unwrap_or(&text);
    let value = value.strip_suffix('\r').unwrap_or(value);
    if value.is_empty() {
        return Err(Error::Config(format!(
            "the systemd credential {} ($CREDENTIALS_DIRECTORY) is empty",
            path.display()
        )));
    }
    Ok(Some(SecretString::from(value.to_owned())))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn files_fill_what_the_environment_leaves_unset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CLIENT_SECRET), "from-systemd\n").unwrap();
        std::fs::write(dir.path().join(CLIENT_CERTIFICATE), "PEM").unwrap();
        let mut env = EnvConfig::default();
        apply(&mut env, dir.path()).unwrap();
        assert_eq!(env.client_secret.unwrap().expose_secret(), "from-systemd");
        assert_eq!(
            env.certificate_path.unwrap(),
            dir.path().join(CLIENT_CERTIFICATE)
        );
        assert!(env.certificate_password.is_none());

        let mut env = EnvConfig {
            client_secret: Some(SecretString::from("from-env")),
            ..EnvConfig::default()
        };
        apply(&mut env, dir.path()).unwrap();
        assert_eq!(env.client_secret.unwrap().expose_secret(), "from-env");
    }

    #[test]
    fn an_empty_or_unreadable_credential_is_a_config_error_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CLIENT_SECRET), "\n").unwrap();
        let error = apply(&mut EnvConfig::default(), dir.path()).unwrap_err();
        assert!(error.to_string().contains("client-secret"), "{error}");
        assert!(error.to_string().contains("is empty"), "{error}");

        std::fs::remove_file(dir.path().join(CLIENT_SECRET)).unwrap();
        std::fs::create_dir(dir.path().join(CLIENT_SECRET)).unwrap();
        let error = apply(&mut EnvConfig::default(), dir.path()).unwrap_err();
        assert!(error.to_string().contains("cannot read"), "{error}");
    }
}
