//! The root certificates trusted besides the system's: CA files and PEM texts.

use std::io;
use std::path::Path;

use crate::error::{Error, Result};
use crate::options::HttpOptions;

/// The most a CA file may hold: 1 MiB. A private CA is a few KB; the whole
/// Mozilla CA bundle is about 220 KB.
pub const CA_FILE_LIMIT: u64 = 1024 * 1024;

/// Every root of `options`: its CA files' and its PEM texts' certificates.
pub(crate) fn roots(options: &HttpOptions) -> Result<Vec<reqwest::Certificate>> {
    let mut roots = Vec::new();
    for path in options.ca_files() {
        let pem = read_ca_file(path).map_err(|source| Error::CaFile {
            path: path.clone(),
            source,
        })?;
        roots.extend(certificates(&pem, &path.display().to_string())?);
    }
    for pem in options.root_certificate_pems() {
        roots.extend(certificates(pem, "the root certificate PEM")?);
    }
    Ok(roots)
}

/// The file's bytes if it is a regular file of at most [`CA_FILE_LIMIT`].
fn read_ca_file(path: &Path) -> io::Result<Vec<u8>> {
    crate::file::read_bounded(path, CA_FILE_LIMIT)
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| Error::NotCertificates {
        what: what.to_owned(),
        problem: "is not a PEM certificate bundle",
        source: Some(Box::new(e)),
    })?;
    if certs.is_empty() {
        return Err(Error::NotCertificates {
            what: what.to_owned(),
            problem: "holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
            source: None,
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_files_that_cannot_be_used_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let e = roots(&HttpOptions::new().with_ca_file(&missing)).unwrap_err();
        assert!(
            matches!(&e, Error::CaFile { path, .. } if *path == missing),
            "{e}"
        );
        assert!(e.is_config());

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here").unwrap();
        let e = roots(&HttpOptions::new().with_ca_file(&empty)).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused_unread() {
        let e = read_ca_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is a character device, not a regular file"
        );
    }
}
