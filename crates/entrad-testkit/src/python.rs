//! The Python the interop tests run: a venv with MSAL, azure-identity and requests;
//! and the Azure CLI, from a venv of its own.

use std::path::PathBuf;

use crate::{Error, Result};

/// `ENTRAD_PYTHON`, else the workspace's `.venv/bin/python`. Missing is an
/// error naming the fix (tests fail on it, never skip).
pub fn python() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("ENTRAD_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let venv = crate::workspace::workspace_root().join(".venv/bin/python");
    if venv.exists() {
        Ok(venv)
    } else {
        Err(Error::MissingTool(format!(
            "no Python with MSAL and azure-identity: set ENTRAD_PYTHON or run scripts/test (it creates {} from scripts/requirements-test.txt)",
            venv.display()
        )))
    }
}

/// The Azure CLI (`az`) the interop tests run: `ENTRAD_AZURE_CLI`, else the
/// workspace's `.venv-azure-cli/bin/az`. Missing is an error naming the fix.
pub fn azure_cli() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("ENTRAD_AZURE_CLI") {
        return Ok(PathBuf::from(p));
    }
    let venv = crate::workspace::workspace_root().join(".venv-azure-cli/bin/az");
    if venv.exists() {
        Ok(venv)
    } else {
        Err(Error::MissingTool(format!(
            "no Azure CLI: set ENTRAD_AZURE_CLI or run scripts/test (it creates {} from scripts/requirements-azure-cli.txt)",
            venv.display()
        )))
    }
}
