//! Advisory locks on lock files, and files only their owner can read.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// The first pause between attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(2);
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// One attempt at an exclusive advisory lock on `path` (created, mode 0600, if
/// missing). The lock lasts as long as the returned file is open.
pub(crate) fn try_exclusive(path: &Path) -> io::Result<Option<File>> {
    let file = open_private(OpenOptions::new().read(true).write(true).create(true), path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Waits (blocking the thread) at most `wait` for the lock on `path`.
pub(crate) fn exclusive_blocking(path: &Path, wait: Duration) -> io::Result<Option<File>> {
    let mut pauses = Pauses::within(wait);
    loop {
        if let Some(file) = try_exclusive(path)? {
            return Ok(Some(file));
        }
        match pauses.next() {
            Some(pause) => std::thread::sleep(pause),
            None => return Ok(None),
        }
    }
}

/// Waits (asynchronously) at most `wait` for the lock on `path`. Polling keeps
/// no thread blocked and lets the wait be bounded.
pub(crate) async fn exclusive(path: &Path, wait: Duration) -> io::Result<Option<File>> {
    let mut pauses = Pauses::within(wait);
    loop {
        if let Some(file) = try_exclusive(path)? {
            return Ok(Some(file));
        }
        match pauses.next() {
            Some(pause) => tokio::time::sleep(pause).await,
            None => return Ok(None),
        }
    }
}

/// The pauses between attempts at a lock: doubling from [`FIRST_PAUSE`] up
/// to [`MAX_PAUSE`], until the wait has run out.
pub(crate) struct Pauses {
    started: Instant,
    wait: Duration,
    next: Duration,
}

impl Pauses {
    pub(crate) fn within(wait: Duration) -> Pauses {
        Pauses {
            started: Instant::now(),
            wait,
            next: FIRST_PAUSE,
        }
    }
}

impl Iterator for Pauses {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.started.elapsed() >= self.wait {
            return None;
        }
        let pause = self.next;
        self.next = (pause * 2).min(MAX_PAUSE);
        Some(pause)
    }
}

/// Opens `path` with `options`; a file it creates is readable by its owner only
/// from the first moment (not chmod-ed afterwards).
pub(crate) fn open_private(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates `dir` and its parents; directories it creates are private to the owner.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_of_the_same_file_is_excluded_until_the_first_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = try_exclusive(&path).unwrap().unwrap();
        assert!(try_exclusive(&path).unwrap().is_none());
        assert!(
            exclusive_blocking(&path, Duration::from_millis(20))
                .unwrap()
                .is_none()
        );
        drop(first);
        assert!(try_exclusive(&path).unwrap().is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
