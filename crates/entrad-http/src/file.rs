//! Reading the small local files the transport and the credentials are made
//! of, with a size bound, so that a wrong path (`/dev/zero`, a log file, a
//! FIFO) cannot make the process allocate without limit or wait forever: only
//! a regular file (after symbolic links) is read. Every file entrad reads
//! whole (the configuration, a certificate, key or CA bundle, a federated
//! token, the token cache, an Azure Arc key) goes through [`read_bounded`].

use std::fs::{File, FileType, OpenOptions};
use std::io::{self, Read as _};
use std::path::Path;

/// The content of the file at `path` if it is a regular file (symbolic links
/// followed) of at most `limit` bytes.
///
/// Anything else is an [`io::ErrorKind::InvalidInput`] error naming what it
/// is ("it is a FIFO, not a regular file"), found without waiting: the file
/// is opened non-blocking, so a FIFO nobody writes to cannot hang the caller,
/// and a device (`/dev/zero`) or a directory is never read. A larger file is
/// an [`io::ErrorKind::InvalidData`] error saying the limit, after reading at
/// most `limit + 1` bytes of it.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    within(bytes, limit)
}

/// [`read_bounded`] on tokio's blocking pool.
pub async fn read_bounded_async(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || read_bounded(&path, limit))
        .await
        .map_err(io::Error::other)?
}

/// `path` opened for reading when it is a regular file; never waits for a
/// FIFO's writer (`O_NONBLOCK`, which reads of a regular file ignore).
fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", what(kind)),
        ));
    }
    Ok(file)
}

/// What a file that is not a regular file is, for a message.
fn what(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn within(bytes: Vec<u8>, limit: u64) -> io::Result<Vec<u8>> {
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is larger than the limit of {}",
                crate::limit::size(limit)
            ),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_at_the_limit_is_read_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [b'x'; 1024]).unwrap();
        assert_eq!(read_bounded(&path, 1024).unwrap().len(), 1024);
        let e = read_bounded(&path, 1023).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(e.to_string(), "it is larger than the limit of 1023 bytes");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn only_regular_files_are_read_and_nothing_waits() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Nobody writes to the FIFO: a blocking open would wait forever.
        for (path, what) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
        ] {
            let e = read_bounded(path, 1 << 20).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(e.to_string(), format!("it is {what}, not a regular file"));
            let e = read_bounded_async(path, 64 << 10).await.unwrap_err();
            assert_eq!(e.to_string(), format!("it is {what}, not a regular file"));
        }
        // A symbolic link to a regular file is followed.
        let target = dir.path().join("target");
        std::fs::write(&target, b"pem").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_bounded(&link, 3).unwrap(), b"pem");
    }
}
