//! Azure Arc's key files: a fresh key per challenge, written where the client
//! will read it, accepted until it is pushed out, removed when the emulator stops.
//!
//! Unmodified clients (azure-identity, MSAL) read the file only from the agent's
//! own directory (`/var/opt/azcmagent/tokens` on Linux), so the directory is
//! configurable (`--arc-key-dir`); the emulator removes the files it wrote there,
//! never anything else.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rand::RngCore;

use crate::error::{Error, Result};
use crate::files::write_atomic;

/// Keys kept valid at most (the oldest is forgotten, and its file removed, first).
const MAX_KEYS: usize = 64;

/// One issued key and the file that holds it.
struct Issued {
    key: String,
    file: PathBuf,
}

/// The keys issued by this emulator and the directory their files go to.
pub(crate) struct ArcKeys {
    dir: PathBuf,
    issued: Mutex<Vec<Issued>>,
}

/// The directory only: the keys are secrets.
impl std::fmt::Debug for ArcKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArcKeys")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl ArcKeys {
    /// Keys written into `dir`, created (owner-only) if missing.
    pub(crate) fn new(dir: PathBuf) -> Result<ArcKeys> {
        create_private_dir(&dir)?;
        Ok(ArcKeys {
            dir,
            issued: Mutex::new(Vec::new()),
        })
    }

    /// The directory the key files are written to.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// A fresh key, written to a new `.key` file (0600); returns the file.
    pub(crate) fn issue(&self) -> Result<PathBuf> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let file = self
            .dir
            .join(format!("{}.key", uuid::Uuid::new_v4().simple()));
        write_atomic(&file, key.as_bytes(), true)?;
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        if issued.len() >= MAX_KEYS {
            remove(&issued.remove(0).file);
        }
        issued.push(Issued {
            key,
            file: file.clone(),
        });
        Ok(file)
    }

    /// True when `presented` is a key this emulator issued and still accepts
    /// (compared in constant time).
    pub(crate) fn accepts(&self, presented: &str) -> bool {
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|issued| constant_time_eq(issued.key.as_bytes(), presented.as_bytes()))
    }

    /// Removes every key file this emulator wrote; the keys are no longer accepted.
    pub(crate) fn remove_all(&self) {
        let issued = std::mem::take(&mut *self.issued.lock().unwrap_or_else(|p| p.into_inner()));
        for issued in issued {
            remove(&issued.file);
        }
    }
}

fn remove(file: &Path) {
    if let Err(e) = std::fs::remove_file(file)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot remove the Arc key file {}: {e}", file.display());
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::io("cannot create", dir, e))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_private_files_accepted_until_removed_and_the_oldest_goes_first() {
        let dir = tempfile::tempdir().unwrap();
        let keys = ArcKeys::new(dir.path().join("tokens")).unwrap();
        let first = keys.issue().unwrap();
        let key = std::fs::read_to_string(&first).unwrap();
        assert!(keys.accepts(&key));
        assert!(!keys.accepts("not-a-key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&first).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(keys.dir()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
        for _ in 0..MAX_KEYS {
            keys.issue().unwrap();
        }
        assert!(!first.exists(), "the pushed-out key's file is removed");
        assert!(!keys.accepts(&key));
        let unrelated = keys.dir().join("someone-else.key");
        std::fs::write(&unrelated, "x").unwrap();
        keys.remove_all();
        let left: Vec<_> = std::fs::read_dir(keys.dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(left, vec![unrelated], "only the emulator's own files go");
    }
}
