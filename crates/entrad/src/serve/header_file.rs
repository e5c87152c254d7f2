//! The identity header's file, for processes started later: always a new
//! file, mode 0600, in a directory only the broker's user can change.
//!
//! The secret is written to a temporary name created with
//! `O_CREAT|O_EXCL|O_NOFOLLOW`, locked, then linked to its name, which fails
//! if anything is there: the secret never goes into an existing file or
//! through a symlink, and no reader sees the file half written. The directory
//! must belong to the broker's user and be writable by no one else (another
//! user could otherwise swap the file between the broker writing it and a
//! client reading it); it is opened once and every step is taken relative to
//! it, so the directory checked is the one written to.
//!
//! Something already at the name is refused, naming it: a file a running
//! broker holds locked as in use, anything else as existing. The one
//! exception is the default path, in entrad's own directory: there a file a
//! killed broker left (regular, the user's, private, locked by no one) is
//! replaced, atomically, by a new one; its old secret opens nothing.

use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata, TryLockError};
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::error::Error;

/// What to do with a file at the path that no running broker holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// Refuse it: on a path the operator chose, entrad cannot know whose it is.
    Refuse,
    /// Replace it when a stopped broker of this user left it (the default path).
    Replace,
}

/// The secret's file, locked while the broker runs; [`HeaderFile::remove`]
/// deletes it at the end.
#[derive(Debug)]
pub struct HeaderFile {
    path: PathBuf,
    dir: OwnedFd,
    name: OsString,
    file: File,
}

/// How often a name that changes while it is examined is tried again.
const ATTEMPTS: usize = 3;

impl HeaderFile {
    /// Creates the file at `path` holding `secret`, locked, or says why not.
    pub fn create(path: &Path, secret: &[u8], stale: Stale) -> Result<HeaderFile, Error> {
        let failed = |e: io::Error| {
            Error::Config(format!(
                "cannot write the identity header file {}: {e} (choose another with --identity-header-file)",
                path.display()
            ))
        };
        let name = path.file_name().ok_or_else(|| {
            Error::Config(format!(
                "--identity-header-file {}: not a file name",
                path.display()
            ))
        })?;
        let dir_path = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        create_private_dir(dir_path).map_err(failed)?;
        let dir = rustix::fs::open(
            dir_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| failed(e.into()))?;
        check_dir(&dir, dir_path)?;
        let temp = temp_name(name);
        let file = write_temp(&dir, &temp, secret).map_err(failed);
        let placed = file.and_then(|file| {
            place(&dir, &temp, name, path, stale)?;
            Ok(file)
        });
        // Linked: the temporary name is a second one; renamed or failed: gone or to go.
        let _ = rustix::fs::unlinkat(&dir, &temp, AtFlags::empty());
        Ok(HeaderFile {
            path: path.to_owned(),
            dir,
            name: name.to_owned(),
            file: placed?,
        })
    }

    /// Where the secret is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes the file, if the name still holds it (it is locked, so no
    /// other broker is using it).
    pub fn remove(self) {
        let ours = self.file.metadata().ok();
        let there = open_entry(&self.dir, &self.name).ok().flatten();
        if let (Some(ours), Some((_, there))) = (ours, there)
            && same_file(&ours, &there)
        {
            let _ = rustix::fs::unlinkat(&self.dir, &self.name, AtFlags::empty());
        }
    }
}

/// Refuses a directory another user owns or may write to.
fn check_dir(dir: &OwnedFd, dir_path: &Path) -> Result<(), Error> {
    let meta = File::from(dir.try_clone().map_err(|e| {
        Error::Config(format!(
            "cannot examine the directory {}: {e}",
            dir_path.display()
        ))
    })?)
    .metadata()
    .map_err(|e| {
        Error::Config(format!(
            "cannot examine the directory {}: {e}",
            dir_path.display()
        ))
    })?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(Error::Config(format!(
            "the directory {} of the identity header file belongs to uid {}, not to this broker's user (uid {me}): choose a directory of your own with --identity-header-file",
            dir_path.display(),
            meta.uid()
        )));
    }
    let writable_by = match (meta.mode() & 0o020 != 0, meta.mode() & 0o002 != 0) {
        (false, false) => return Ok(()),
        (true, false) => "its group",
        (false, true) => "others",
        (true, true) => "its group and others",
    };
    Err(Error::Config(format!(
        "the directory {} of the identity header file is writable by {writable_by}, who could replace the file: use one only you can write (chmod go-w {}, or choose another with --identity-header-file)",
        dir_path.display(),
        dir_path.display()
    )))
}

/// `.<name>.<random>.tmp`: hidden, and never a name someone could have prepared.
fn temp_name(name: &OsStr) -> OsString {
    let random: [u8; 8] = rand::random();
    let mut temp = OsString::from(".");
    temp.push(name);
    temp.push(".");
    temp.push(
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    );
    temp.push(".tmp");
    temp
}

/// A new file holding `secret`, locked.
fn write_temp(dir: &OwnedFd, temp: &OsStr, secret: &[u8]) -> io::Result<File> {
    let fd = rustix::fs::openat(
        dir,
        temp,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::RUSR | Mode::WUSR,
    )?;
    let mut file = File::from(fd);
    file.try_lock().map_err(io::Error::from)?;
    file.write_all(secret)?;
    Ok(file)
}

/// Gives the locked temporary file its name: linked if the name is free,
/// renamed over a stale file when `stale` allows.
fn place(
    dir: &OwnedFd,
    temp: &OsStr,
    name: &OsStr,
    path: &Path,
    stale: Stale,
) -> Result<(), Error> {
    let failed = |e: io::Error| {
        Error::Config(format!(
            "cannot write the identity header file {}: {e} (choose another with --identity-header-file)",
            path.display()
        ))
    };
    for _ in 0..ATTEMPTS {
        match rustix::fs::linkat(dir, temp, dir, name, AtFlags::empty()) {
            Ok(()) => return Ok(()),
            Err(Errno::EXIST) => {}
            Err(e) => return Err(failed(e.into())),
        }
        let Some(locked) = examine_existing(dir, name, path, stale)? else {
            continue;
        };
        // Held locked (until replaced), so no other broker is replacing it:
        // still the one at the name?
        let old = locked.metadata().map_err(failed)?;
        if let Ok(Some((_, there))) = open_entry(dir, name)
            && same_file(&old, &there)
        {
            rustix::fs::renameat(dir, temp, dir, name).map_err(|e| failed(e.into()))?;
            drop(locked);
            tracing::info!(file = %path.display(), "replaced the identity header file a stopped broker left");
            return Ok(());
        }
    }
    Err(Error::Config(format!(
        "the identity header file {} kept changing while entrad serve created it: is another broker starting on it? (choose another with --identity-header-file)",
        path.display()
    )))
}

/// What is at the name: refused (in use, or not a stale file to replace),
/// gone or changed (`None`: try again), or a stale file, returned locked.
fn examine_existing(
    dir: &OwnedFd,
    name: &OsStr,
    path: &Path,
    stale: Stale,
) -> Result<Option<File>, Error> {
    let exists = |what: &str| {
        Error::Config(format!(
            "the identity header file {} already exists{what}: entrad serve writes its secret only to a file it creates; remove it if a stopped broker left it, or choose another with --identity-header-file",
            path.display()
        ))
    };
    let (file, meta) = match open_entry(dir, name) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err(Errno::LOOP | Errno::MLINK) => return Err(exists(" as a symbolic link")),
        Err(e) => {
            return Err(exists(&format!(
                " and cannot be examined ({})",
                io::Error::from(e)
            )));
        }
    };
    if !meta.file_type().is_file() {
        return Err(exists(" and is not a regular file"));
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(Error::Config(format!(
                "another entrad serve is using the identity header file {}: give this one its own with --identity-header-file",
                path.display()
            )));
        }
        Err(TryLockError::Error(e)) => {
            return Err(exists(&format!(" and cannot be examined ({e})")));
        }
    }
    let stopped_brokers =
        meta.uid() == rustix::process::geteuid().as_raw() && meta.mode() & 0o077 == 0;
    if stale == Stale::Replace && stopped_brokers {
        return Ok(Some(file));
    }
    Err(exists(""))
}

/// The entry at `name`, opened without following a symlink (`ELOOP` then),
/// and what it is; `None` when nothing is there. Special files are not opened.
fn open_entry(dir: &OwnedFd, name: &OsStr) -> Result<Option<(File, Metadata)>, Errno> {
    // Only to avoid opening a device or a FIFO: the checks that matter are on the descriptor.
    let kind = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
        .map(|st| rustix::fs::FileType::from_raw_mode(st.st_mode));
    match kind {
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(e),
        Ok(rustix::fs::FileType::Symlink) => return Err(Errno::LOOP),
        Ok(rustix::fs::FileType::RegularFile | rustix::fs::FileType::Directory) => {}
        Ok(_) => return Err(Errno::NODEV),
    }
    let fd = match rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(e),
    };
    let file = File::from(fd);
    let meta = file
        .metadata()
        .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?;
    Ok(Some((file, meta)))
}

fn same_file(a: &Metadata, b: &Metadata) -> bool {
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Creates `dir` and its parents, private (0700) where it creates them.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn private_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    /// The directory's entries other than `keep`.
    fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !keep.contains(&n.as_str()))
            .collect()
    }

    #[test]
    fn a_new_private_file_in_a_new_private_directory_locked_and_removed() {
        let dir = private_dir();
        let path = dir.path().join("sub").join("header");
        let file = HeaderFile::create(&path, b"secret-one", Stale::Refuse).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"secret-one");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("sub")), 0o700);
        assert!(leftovers(&dir.path().join("sub"), &["header"]).is_empty());
        // A second broker on the same file is refused and changes nothing, even the default one.
        for stale in [Stale::Refuse, Stale::Replace] {
            let err = HeaderFile::create(&path, b"secret-two", stale).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("another entrad serve is using the identity header file"),
                "{err}"
            );
            assert_eq!(std::fs::read(&path).unwrap(), b"secret-one");
        }
        assert!(leftovers(&dir.path().join("sub"), &["header"]).is_empty());
        file.remove();
        assert!(!path.exists());
        HeaderFile::create(&path, b"secret-three", Stale::Refuse).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"secret-three");
    }

    #[test]
    fn a_symlink_is_refused_and_its_target_untouched() {
        let dir = private_dir();
        let target = dir.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = dir.path().join("header");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        for stale in [Stale::Refuse, Stale::Replace] {
            let err = HeaderFile::create(&path, b"secret", stale).unwrap_err();
            assert!(
                err.to_string()
                    .contains("already exists as a symbolic link"),
                "{err}"
            );
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(mode(&target), 0o644);
        assert!(
            std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A dangling one too: nothing is created where it points.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(HeaderFile::create(&dangling, b"secret", Stale::Refuse).is_err());
        assert!(!dir.path().join("nowhere").exists());
        assert!(leftovers(dir.path(), &["target", "header", "dangling"]).is_empty());
    }

    #[test]
    fn an_existing_file_is_never_written_and_only_a_stopped_brokers_default_one_replaced() {
        let dir = private_dir();
        let path = dir.path().join("header");
        std::fs::write(&path, "someone's").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        // Held open by whoever made it: it must never receive the secret.
        let held = File::open(&path).unwrap();
        let err = HeaderFile::create(&path, b"secret", Stale::Refuse).unwrap_err();
        assert!(
            err.to_string().contains(
                "already exists: entrad serve writes its secret only to a file it creates"
            ),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone's");
        // Readable by others: not a stopped broker's file, refused even at the default path.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(HeaderFile::create(&path, b"secret", Stale::Replace).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone's");
        // Private, the user's, unlocked: a killed broker's; the default path gets a new file.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let old_inode = std::fs::metadata(&path).unwrap().ino();
        let file = HeaderFile::create(&path, b"secret", Stale::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        assert_ne!(
            std::fs::metadata(&path).unwrap().ino(),
            old_inode,
            "written into the old file"
        );
        let mut through_old = String::new();
        std::io::Read::read_to_string(&mut &held, &mut through_old).unwrap();
        assert_eq!(
            through_old, "someone's",
            "the secret reached a descriptor of the old file"
        );
        assert_eq!(mode(&path), 0o600);
        assert!(leftovers(dir.path(), &["header"]).is_empty());
        drop(file);
    }

    #[test]
    fn a_directory_of_another_user_is_refused_naming_it() {
        let dir = private_dir();
        // Root can give a directory away; anyone else finds one of root's.
        let foreign = if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(dir.path(), Some(65534), None).unwrap();
            dir.path().to_owned()
        } else {
            PathBuf::from("/")
        };
        let err = HeaderFile::create(&foreign.join("entrad-header"), b"secret", Stale::Replace)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "the directory {} of the identity header file belongs to uid ",
                foreign.display()
            )),
            "{err}"
        );
        assert!(!foreign.join("entrad-header").exists());
    }

    #[test]
    fn a_directory_others_can_write_is_refused_naming_it() {
        for (dir_mode, who) in [
            (0o770, "its group"),
            (0o707, "others"),
            (0o777, "its group and others"),
        ] {
            let dir = private_dir();
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(dir_mode))
                .unwrap();
            let path = dir.path().join("header");
            let err = HeaderFile::create(&path, b"secret", Stale::Replace)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&format!(
                    "the directory {} of the identity header file is writable by {who},",
                    dir.path().display()
                )),
                "{err}"
            );
            assert!(leftovers(dir.path(), &[]).is_empty());
        }
    }
}
