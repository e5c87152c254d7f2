//! Credentials loaded from files, loaded again when a file changes: a
//! certificate renewed in place, a key rotated by a secret store, a Kubernetes
//! secret volume swapping its files. The assertion file is re-read on every
//! request; these are parsed once per change (a token request looks at the
//! files' metadata only).

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use crate::Result;

type LoadFn<C> = dyn Fn() -> Result<C> + Send + Sync;

/// What tells a changed file: modification time, length and inode (a file
/// replaced by a rename or a symlink swap has a new inode).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

/// The files, how to load the credential `C` from them, and the last load.
/// Generic so that this file needs nothing of the credential it reloads (a
/// [`Credential`](super::Credential) holds a `Reloading` in turn).
pub(crate) struct Reloading<C> {
    paths: Vec<PathBuf>,
    load: Box<LoadFn<C>>,
    state: Mutex<(Vec<Option<Stamp>>, C)>,
}

impl<C: Clone> Reloading<C> {
    pub(crate) fn new(
        initial: C,
        paths: Vec<PathBuf>,
        load: impl Fn() -> Result<C> + Send + Sync + 'static,
    ) -> Reloading<C> {
        let stamps = stamps(&paths);
        Reloading {
            paths,
            load: Box::new(load),
            state: Mutex::new((stamps, initial)),
        }
    }

    /// The credential of the files as they are now: loaded again when one
    /// changed. A file that changed but cannot be loaded (half written,
    /// broken) keeps the previous credential, with a warning, and is tried
    /// again at the next request.
    pub(crate) fn current(&self) -> C {
        let now = stamps(&self.paths);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0 != now {
            match (self.load)() {
                Ok(credential) => {
                    tracing::info!(files = ?self.paths, "credential files changed: loaded them again");
                    *state = (now, credential);
                }
                Err(e) => {
                    tracing::warn!(files = ?self.paths, error = %e, "credential files changed but cannot be loaded; using the previous credential");
                }
            }
        }
        state.1.clone()
    }

    /// The credential last loaded, without looking at the files.
    pub(crate) fn last(&self) -> C {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }

    pub(crate) fn paths(&self) -> &[PathBuf] {
        &self.paths
    }
}

fn stamps(paths: &[PathBuf]) -> Vec<Option<Stamp>> {
    paths
        .iter()
        .map(|path| {
            let metadata = std::fs::metadata(path).ok()?;
            Some(Stamp {
                modified: metadata.modified().ok(),
                len: metadata.len(),
                inode: inode(&metadata),
            })
        })
        .collect()
}

#[cfg(unix)]
fn inode(metadata: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use crate::Credential;

    fn endpoint() -> url::Url {
        url::Url::parse("https://127.0.0.1:1/t/oauth2/v2.0/token").unwrap()
    }

    #[tokio::test]
    async fn a_changed_secret_file_is_read_again_and_a_broken_one_keeps_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "first-secret\n").unwrap();
        let credential = Credential::secret_file(&path).unwrap();
        let sent = |c: &Credential| {
            let c = c.clone();
            async move {
                c.client_auth("id", &endpoint())
                    .await
                    .unwrap()
                    .sent_secret()
                    .to_string()
            }
        };
        assert_eq!(sent(&credential).await, "first-secret");
        // Written in place (same inode), a different length.
        std::fs::write(&path, "second-secret-value").unwrap();
        assert_eq!(sent(&credential).await, "second-secret-value");
        // Replaced by a rename, same length: a new inode.
        let next = dir.path().join("next");
        std::fs::write(&next, "third--secret-value").unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_eq!(sent(&credential).await, "third--secret-value");
        // Emptied: the previous secret stays in use.
        std::fs::write(&path, "").unwrap();
        assert_eq!(sent(&credential).await, "third--secret-value");
        assert!(!format!("{credential:?}").contains("secret-value"));
        let e = Credential::secret_file(dir.path().join("missing")).unwrap_err();
        assert!(
            e.to_string().contains("cannot read the client secret file"),
            "{e}"
        );
    }
}
