//! Reading the small files a credential is made of, with a size bound, so
//! that a wrong path (`/dev/zero`, a log file, a FIFO) cannot make the
//! process allocate without limit.

use std::io::{self, Read as _};
use std::path::Path;

use tokio::io::AsyncReadExt as _;

/// The most a federated token file (`AZURE_FEDERATED_TOKEN_FILE`, read by
/// [`crate::Credential::assertion_file`]) may hold: 64 KiB. Kubernetes
/// projected service account tokens and CI OIDC tokens are JWTs of 1 to 2 KB.
pub const ASSERTION_FILE_LIMIT: u64 = 64 * 1024;

/// The most a certificate, private key, PKCS#12/PFX file or CA bundle may
/// hold: 1 MiB. A key with a chain of certificates is a few KB; the whole
/// Mozilla CA bundle is about 220 KB.
pub const CERTIFICATE_FILE_LIMIT: u64 = 1024 * 1024;

/// The content of the file at `path` if it holds at most `limit` bytes. A
/// larger file is an [`io::ErrorKind::InvalidData`] error saying the limit,
/// after reading at most `limit + 1` bytes of it.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    within(bytes, limit)
}

/// [`read_bounded`] on tokio's file I/O.
pub(crate) async fn read_bounded_async(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    tokio::fs::File::open(path)
        .await?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .await?;
    within(bytes, limit)
}

fn within(bytes: Vec<u8>, limit: u64) -> io::Result<Vec<u8>> {
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than the limit of {}", size(limit)),
        ));
    }
    Ok(bytes)
}

/// `limit` in the largest binary unit that divides it.
pub(crate) fn size(limit: u64) -> String {
    match limit {
        l if l >= 1 << 20 && l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l >= 1 << 10 && l % (1 << 10) == 0 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
    }
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
    async fn an_endless_device_is_refused_at_the_limit() {
        let dev_zero = Path::new("/dev/zero");
        let e = read_bounded(dev_zero, CERTIFICATE_FILE_LIMIT).unwrap_err();
        assert_eq!(e.to_string(), "it is larger than the limit of 1 MiB");
        let e = read_bounded_async(dev_zero, ASSERTION_FILE_LIMIT)
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "it is larger than the limit of 64 KiB");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(64 * 1024), "64 KiB");
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(1500), "1500 bytes");
    }
}
