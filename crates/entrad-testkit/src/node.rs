//! The Node.js the MSAL Node interop tests run, and the directory of their driver.

use std::path::PathBuf;

use crate::{Error, Result};

/// Where the MSAL Node driver and its `node_modules` (from `npm ci`) live.
pub fn node_dir() -> PathBuf {
    crate::workspace::workspace_root().join("crates/entrad-emulator/tests/node")
}

/// `node` from PATH, once `@azure/msal-node` is installed in [`node_dir`].
/// Missing is an error naming the fix (tests fail on it, never skip).
pub fn node() -> Result<PathBuf> {
    let node = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            Error::MissingTool(
                "no `node` on PATH: install Node.js 20+ (scripts/test installs it and runs npm ci)"
                    .into(),
            )
        })?;
    let msal = node_dir().join("node_modules/@azure/msal-node");
    if msal.exists() {
        Ok(node)
    } else {
        Err(Error::MissingTool(format!(
            "{} is missing: run scripts/test (it runs npm ci in {})",
            msal.display(),
            node_dir().display()
        )))
    }
}
