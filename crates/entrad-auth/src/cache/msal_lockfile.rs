//! msal-extensions' lock on a shared cache file, spoken as well as entrad's
//! own, so that MSAL Python apps persisting the same file
//! (`PersistedTokenCache(FilePersistence(path))`) and entrad exclude each
//! other.
//!
//! msal-extensions 1.3 locks `<file>.lockfile` in one of two ways:
//! * without portalocker (`filelock.py`): creates it with `O_EXCL`, writes
//!   `"<pid> <argv0>"`, removes it when done; gives up after 5 s of finding it
//!   there (polling every 0.25 s).
//! * with portalocker (`cache_lock.py`): the same exclusive creation for up to
//!   5 s, then in any case an exclusive `flock` on the file (opened
//!   `wb+`), writes `"<pid> <argv0>"`, unlocks and removes it when done.
//!
//! So a holder here creates the file exclusively *and* flocks it, writes its
//! pid the same way, and removes the file (while still holding the flock)
//! when done. msal-extensions never removes a lock file left behind by a
//! process that died; this takes one over only when nobody holds its flock,
//! it is older than msal-extensions' own 5 s patience, and the pid it names
//! is gone (or it names none), which is stricter than msal-extensions with
//! portalocker, which flocks any file it has waited 5 s for.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::lock_file::{Pauses, open_private};

/// msal-extensions' own wait before it gives up on (or overrides) a lock
/// file: one older than this that nobody flocks and whose owner is gone is stale.
const STALE_AGE: Duration = Duration::from_secs(5);

/// At most this much of a lock file is read to find its owner's pid.
const OWNER_BYTES: u64 = 256;

/// A held `<file>.lockfile`: removed, then unlocked, on drop.
#[derive(Debug)]
pub(crate) struct MsalLockfile {
    file: File,
    path: PathBuf,
}

impl Drop for MsalLockfile {
    fn drop(&mut self) {
        // Removed while the flock is held, so that nobody holds a lock on a
        // file that is no longer the lock file; and only if it is still ours.
        if same_file(&self.file, &self.path).unwrap_or(false)
            && let Err(e) = std::fs::remove_file(&self.path)
        {
            tracing::warn!(lockfile = %self.path.display(), error = %e, "cannot remove the lock file; MSAL apps wait for it until it is removed");
        }
    }
}

/// Waits (blocking the thread) at most `wait` for the lock file at `path`.
pub(crate) fn acquire(path: &Path, wait: Duration) -> io::Result<Option<MsalLockfile>> {
    let mut pauses = Pauses::within(wait);
    loop {
        if let Some(lock) = try_create(path)? {
            return Ok(Some(lock));
        }
        if let Some(lock) = try_take_over(path)? {
            return Ok(Some(lock));
        }
        match pauses.next() {
            Some(pause) => std::thread::sleep(pause),
            None => return Ok(None),
        }
    }
}

/// Creates the lock file exclusively and flocks it.
fn try_create(path: &Path) -> io::Result<Option<MsalLockfile>> {
    let file = match open_private(
        OpenOptions::new().read(true).write(true).create_new(true),
        path,
    ) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        Ok(()) => {}
        // An msal-extensions process that stopped waiting for the file to go
        // opened and flocked it first: it removes the file when done.
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
    }
    let mut lock = MsalLockfile {
        file,
        path: path.to_path_buf(),
    };
    write_owner(&mut lock.file)?;
    Ok(Some(lock))
}

/// Takes over a stale lock file (see the module's documentation).
fn try_take_over(path: &Path) -> io::Result<Option<MsalLockfile>> {
    // Young files are not even probed: a probe's flock could otherwise meet
    // a creator between its exclusive creation and its own flock.
    match std::fs::metadata(path) {
        Ok(meta) if age_of(&meta)? < STALE_AGE => return Ok(None),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => return Err(e),
    }
    if !same_file(&file, path)? {
        return Ok(None);
    }
    let meta = file.metadata()?;
    // Only a regular file is read: reading a FIFO would wait for a writer forever.
    if !meta.is_file() {
        return Ok(None);
    }
    let age = age_of(&meta)?;
    if age < STALE_AGE {
        return Ok(None);
    }
    let mut owner = Vec::new();
    (&file).take(OWNER_BYTES).read_to_end(&mut owner)?;
    let owner = String::from_utf8_lossy(&owner);
    let pid = owner
        .split_whitespace()
        .next()
        .and_then(|p| p.parse::<u32>().ok());
    if pid.is_some_and(process_exists) {
        return Ok(None);
    }
    tracing::warn!(
        lockfile = %path.display(),
        owner = %owner.escape_debug(),
        ?age,
        "taking over a lock file left by a process that has ended"
    );
    file.set_len(0)?;
    file.rewind()?;
    write_owner(&mut file)?;
    Ok(Some(MsalLockfile {
        file,
        path: path.to_path_buf(),
    }))
}

/// Time since the file was last written (zero if that is in the future).
fn age_of(meta: &std::fs::Metadata) -> io::Result<Duration> {
    Ok(meta.modified()?.elapsed().unwrap_or_default())
}

/// `"<pid> <program>"`, as msal-extensions writes `"<pid> <argv0>"`.
fn write_owner(file: &mut File) -> io::Result<()> {
    let program = std::env::args_os()
        .next()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    write!(file, "{} {program}", std::process::id())?;
    file.flush()
}

/// Whether `path` still names the open `file`.
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    let named = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let open = file.metadata()?;
        Ok(open.dev() == named.dev() && open.ino() == named.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (file, named);
        Ok(true)
    }
}

/// Whether a process `pid` runs on this machine. Where that cannot be told,
/// it is taken to run: the lock file is then waited for, never taken over.
fn process_exists(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, by: Duration) {
        let file = File::options().write(true).open(path).unwrap();
        let then = std::time::SystemTime::now() - by;
        file.set_modified(then).unwrap();
    }

    #[test]
    fn held_it_excludes_others_and_is_removed_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json.lockfile");
        let lock = acquire(&path, Duration::ZERO).unwrap().unwrap();
        let owner = std::fs::read_to_string(&path).unwrap();
        assert!(
            owner.starts_with(&format!("{} ", std::process::id())),
            "{owner}"
        );
        // Exclusive creation fails, and the flock is held: an aged file too.
        age(&path, STALE_AGE * 2);
        assert!(acquire(&path, Duration::from_millis(20)).unwrap().is_none());
        drop(lock);
        assert!(!path.exists());
        assert!(acquire(&path, Duration::ZERO).unwrap().is_some());
    }

    #[test]
    fn a_live_owners_file_is_waited_for_even_when_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json.lockfile");
        // As msal-extensions without portalocker leaves it: no flock.
        std::fs::write(&path, format!("{} python", std::process::id())).unwrap();
        age(&path, STALE_AGE * 2);
        assert!(acquire(&path, Duration::from_millis(20)).unwrap().is_none());
        assert!(path.exists());
    }

    #[test]
    fn a_fresh_file_is_waited_for_even_with_a_dead_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json.lockfile");
        std::fs::write(&path, "").unwrap();
        assert!(acquire(&path, Duration::from_millis(20)).unwrap().is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_old_file_of_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json.lockfile");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        std::fs::write(&path, format!("{dead} /usr/bin/python3 app.py")).unwrap();
        age(&path, STALE_AGE * 2);
        let lock = acquire(&path, Duration::ZERO).unwrap().unwrap();
        let owner = std::fs::read_to_string(&path).unwrap();
        assert!(
            owner.starts_with(&format!("{} ", std::process::id())),
            "{owner}"
        );
        drop(lock);
        assert!(!path.exists());
    }
}
