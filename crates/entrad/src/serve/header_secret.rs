//! The identity header: a secret random per start that App Service callers
//! send as `X-IDENTITY-HEADER`, compared in constant time, written 0600 to a
//! file for processes started later, never logged.

use std::fmt;
use std::fs::TryLockError;
use std::io::Write;
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

use crate::error::Error;

/// The per-start secret. `Debug` hides it.
pub struct HeaderSecret(String);

impl HeaderSecret {
    /// 32 random bytes, hex-encoded.
    pub fn generate() -> HeaderSecret {
        let bytes: [u8; 32] = rand::random();
        HeaderSecret(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Whether `presented` is the secret, in time independent of where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        // The length is not secret (always 64); only the content is compared in constant time.
        presented.len() == self.0.len() && bool::from(self.0.as_bytes().ct_eq(presented))
    }

    /// The value for `IDENTITY_HEADER`.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Writes the secret to `path` (mode 0600, its directory created 0700)
    /// and holds the file locked for as long as the returned [`HeaderFile`]
    /// lives: a second broker given the same file (the default one, say)
    /// fails saying so instead of replacing the first one's secret.
    pub fn write_file(&self, path: &Path) -> Result<HeaderFile, Error> {
        let failed = |e: std::io::Error| {
            Error::Config(format!(
                "cannot write the identity header file {}: {e} (choose another with --identity-header-file)",
                path.display()
            ))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(failed)?;
        }
        let mut file = private_file(path).map_err(failed)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Config(format!(
                    "another entrad serve is using the identity header file {}: give this one its own with --identity-header-file",
                    path.display()
                )));
            }
            Err(TryLockError::Error(e)) => return Err(failed(e)),
        }
        // Truncated only once it is ours: the other broker's secret stays intact.
        file.set_len(0).map_err(failed)?;
        file.write_all(self.0.as_bytes()).map_err(failed)?;
        Ok(HeaderFile {
            path: path.to_owned(),
            _locked: file,
        })
    }
}

/// The secret's file, locked while the broker runs; [`HeaderFile::remove`]
/// deletes it at the end.
#[derive(Debug)]
pub struct HeaderFile {
    path: PathBuf,
    _locked: std::fs::File,
}

impl HeaderFile {
    /// Where the secret is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes the file (still locked, so no other broker is using it).
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl fmt::Debug for HeaderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HeaderSecret(..)")
    }
}

/// The default file: `<runtime dir>/entrad/identity-header` (the cache dir without one).
pub fn default_path() -> Option<PathBuf> {
    dirs::runtime_dir()
        .or_else(dirs::cache_dir)
        .map(|dir| dir.join("entrad").join("identity-header"))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    // A file that existed keeps its mode on open: narrow it.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        let secret = HeaderSecret::generate();
        assert_eq!(secret.expose().len(), 64);
        assert!(secret.matches(secret.expose().as_bytes()));
        let mut wrong = secret.expose().as_bytes().to_vec();
        wrong[63] ^= 1;
        assert!(!secret.matches(&wrong));
        assert!(!secret.matches(&secret.expose().as_bytes()[..63]));
        assert!(!secret.matches(b""));
        assert_ne!(secret.expose(), HeaderSecret::generate().expose());
        assert!(!format!("{secret:?}").contains(secret.expose()));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("header");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let secret = HeaderSecret::generate();
        let file = secret.write_file(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), secret.expose());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A second broker on the same file is refused and changes nothing.
        let err = HeaderSecret::generate().write_file(&path).unwrap_err();
        assert!(err.to_string().contains("--identity-header-file"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), secret.expose());
        file.remove();
        assert!(!path.exists());
        let next = HeaderSecret::generate();
        next.write_file(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), next.expose());
    }
}
