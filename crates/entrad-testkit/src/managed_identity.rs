//! The emulator's managed identity environments (`mi-<source>.env` in its
//! state directory) and a loopback URL nothing listens on (IMDS off Azure).

use std::path::Path;

use crate::{ChildEmulator, InProcess, Result};

/// The variables the managed identity sources are detected from, which a
/// developer's shell could hold: tests remove them before setting their own.
pub const MANAGED_IDENTITY_VARS: &[&str] = &[
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "ENTRAD_AZURE_ARC_KEY_DIR",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
];

/// The variables of `mi-<source>.env` in `state_dir` (`source`: `imds`,
/// `app-service`, `arc`, `service-fabric`, `machine-learning`, `cloud-shell`).
pub fn mi_env(state_dir: &Path, source: &str) -> Result<Vec<(String, String)>> {
    let path = state_dir.join(format!("mi-{source}.env"));
    let bytes = crate::error::read(&path)?;
    Ok(String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// `http://127.0.0.1:PORT` where nothing listens (a port just bound and
/// released): what IMDS is off Azure, without sending a packet anywhere else.
///
/// # Panics
/// When no loopback port can be bound (a machine no test could run on).
pub fn closed_loopback_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

impl InProcess {
    /// The managed identity environment of `source` (see [`mi_env`]).
    ///
    /// # Panics
    /// When the emulator did not write `mi-<source>.env` (an unknown source).
    pub fn mi_env(&self, source: &str) -> Vec<(String, String)> {
        mi_env(self.emulator.state_dir(), source).expect("the emulator writes its mi-*.env files")
    }
}

impl ChildEmulator {
    /// The managed identity environment of `source` (see [`mi_env`]).
    ///
    /// # Panics
    /// When the emulator did not write `mi-<source>.env` (an unknown source).
    pub fn mi_env(&self, source: &str) -> Vec<(String, String)> {
        mi_env(self.state_dir(), source).expect("the emulator writes its mi-*.env files")
    }
}
