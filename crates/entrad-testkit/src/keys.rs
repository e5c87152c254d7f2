//! Fresh state directories holding keys generated once: RSA key generation is
//! the slowest part of an emulator start, so each test copies the same keys.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use entrad_emulator::{Config, Emulator};

use crate::{Error, Result};

/// Key files copied into each state directory.
const KEY_FILES: [&str; 6] = [
    "ca.pem",
    "ca-key.pem",
    "signing-key.pem",
    "signing-cert.pem",
    "app-key.pem",
    "app-cert.pem",
];

/// The build's profile directory (`target/debug` for `target/debug/deps/<test>`),
/// so that the keys live and die with the build; the system temp dir otherwise.
fn template_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.file_name().is_some_and(|name| name == "deps"))
                .and_then(Path::parent)
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(std::env::temp_dir)
}

/// Generates the keys with a throw-away emulator on its own runtime (callers may
/// be inside a runtime already).
fn generate(dir: &Path) -> Result<()> {
    let config = Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        state_dir: Some(dir.to_path_buf()),
        in_memory: true,
        users: 0,
        ..Config::default()
    };
    std::thread::spawn(move || -> Result<()> {
        let runtime = tokio::runtime::Runtime::new().map_err(Error::Runtime)?;
        runtime.block_on(async {
            Emulator::start(config).await?.shutdown().await;
            Ok(())
        })
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The key template: generated once, by whichever process gets there first (a
/// rename publishes it whole), then reused by every test and bench.
fn template() -> Result<&'static Path> {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    if let Some(template) = TEMPLATE.get() {
        return Ok(template);
    }
    let root = template_root();
    let template = root.join("entrad-testkit-keys");
    if !KEY_FILES.iter().all(|f| template.join(f).exists()) {
        let fresh = tempfile::Builder::new()
            .prefix("entrad-testkit-keys")
            .tempdir_in(&root)
            .map_err(|source| Error::File {
                path: root.clone(),
                source,
            })?;
        generate(fresh.path())?;
        // Losing the race to another process is fine: its keys are as good.
        let _ = std::fs::rename(fresh.keep(), &template);
    }
    Ok(TEMPLATE.get_or_init(|| template))
}

/// A fresh temporary state directory holding the shared keys (removed on drop).
pub fn state_dir() -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir().map_err(|source| Error::File {
        path: std::env::temp_dir(),
        source,
    })?;
    let template = template()?;
    for name in KEY_FILES {
        let to = dir.path().join(name);
        std::fs::copy(template.join(name), &to)
            .map_err(|source| Error::File { path: to, source })?;
    }
    Ok(dir)
}
