//! The state directory's layout, and writing its files atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Paths of everything the emulator keeps in its state directory.
#[derive(Debug, Clone)]
pub(crate) struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Creates the directory if needed. The root is made absolute so that the paths
    /// written into the parameters files work from any working directory.
    pub(crate) fn create(root: &Path) -> Result<StateDir> {
        std::fs::create_dir_all(root).map_err(|e| Error::io("cannot create", root, e))?;
        let root = std::fs::canonicalize(root).map_err(|e| Error::io("cannot resolve", root, e))?;
        Ok(StateDir { root })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

/// The outermost directory of `dir` that does not exist yet: what creating
/// `dir` would add, and what a failed start removes.
pub(crate) fn first_missing(dir: &Path) -> Option<PathBuf> {
    if dir.exists() {
        return None;
    }
    let mut missing = dir.to_path_buf();
    while let Some(parent) = missing.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        missing = parent.to_path_buf();
    }
    Some(missing)
}

/// File names inside the state directory.
pub(crate) mod names {
    pub(crate) const CA_CERT: &str = "ca.pem";
    pub(crate) const CA_KEY: &str = "ca-key.pem";
    pub(crate) const SIGNING_KEY: &str = "signing-key.pem";
    pub(crate) const SIGNING_CERT: &str = "signing-cert.pem";
    pub(crate) const APP_KEY: &str = "app-key.pem";
    pub(crate) const APP_CERT: &str = "app-cert.pem";
    pub(crate) const STATE: &str = "state.json";
    pub(crate) const PARAMETERS: &str = "parameters.json";
    pub(crate) const PARAMETERS_CERTIFICATE: &str = "parameters-certificate.json";
    pub(crate) const PARAMETERS_UNCONSENTED: &str = "parameters-unconsented.json";
    pub(crate) const PARAMETERS_NO_SERVICE_PRINCIPAL: &str = "parameters-no-service-principal.json";
    pub(crate) const FEDERATED_TOKEN: &str = "federated-token.jwt";
    pub(crate) const APP_PFX: &str = "app-cert.pfx";
    pub(crate) const ADMIN_TOKEN: &str = "admin-token";
    pub(crate) const ENTRAD_ENV: &str = "entrad.env";
}

/// Writes a file through a temporary sibling and a rename, so that readers never see
/// half a file. `private` files (keys, secrets) are readable by the owner only.
pub(crate) fn write_atomic(path: &Path, contents: &[u8], private: bool) -> Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(&tmp)
        .map_err(|e| Error::io("cannot write", &tmp, e))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("cannot write", path, e))
}

/// Reads a file that may be absent.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outermost_missing_directory_is_the_one_to_remove() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(first_missing(dir.path()), None);
        let deep = dir.path().join("a").join("b").join("c");
        assert_eq!(first_missing(&deep), Some(dir.path().join("a")));
        assert_eq!(
            first_missing(Path::new("not-here-either")),
            Some(PathBuf::from("not-here-either"))
        );
    }
}
