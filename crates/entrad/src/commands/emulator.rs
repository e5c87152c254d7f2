//! `entrad emulator`: the offline Entra + Graph emulator, as `entrad-emulator` runs it.

use std::path::{Path, PathBuf};

use entrad_emulator::EmulatorArgs;

use crate::error::Error;

/// Serves until SIGINT/SIGTERM; the ready line goes to stdout. A start that
/// fails (a port in use, a bad --users-file) leaves no state directory behind
/// that this run created: the next try starts from nothing, not from half.
pub async fn run(args: EmulatorArgs) -> Result<(), Error> {
    let created = state_dir(&args).and_then(|dir| first_missing(&dir));
    let result = entrad_emulator::run(args).await;
    if let (Err(error), Some(dir)) = (&result, created)
        && !served(error)
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        tracing::warn!("cannot remove {}: {e}", dir.display());
    }
    Ok(result?)
}

/// The state directory the emulator will use, when it is not a temporary one
/// of its own (`--in-memory` without `--state-dir`): the emulator's default
/// is the user's data directory, entrad/emulator.
fn state_dir(args: &EmulatorArgs) -> Option<PathBuf> {
    match (&args.state_dir, args.in_memory) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => None,
        (None, false) => dirs::data_dir().map(|data| data.join("entrad").join("emulator")),
    }
}

/// The outermost directory of `dir` that does not exist yet (what a start creates).
fn first_missing(dir: &Path) -> Option<PathBuf> {
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

/// Errors that come once the emulator served: its state directory is whole.
fn served(error: &entrad_emulator::Error) -> bool {
    matches!(
        error,
        entrad_emulator::Error::Signal(_) | entrad_emulator::Error::Stdout(_)
    )
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
