//! Where the workspace is, for the files the tests read and the programs they run.

/// The workspace's root directory (this crate is `crates/entrad-testkit`).
pub(crate) fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
