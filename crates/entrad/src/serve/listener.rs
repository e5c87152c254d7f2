//! Where the broker listens: a loopback TCP address, and optionally a Unix
//! socket whose callers are known by uid. Nothing else: tokens are for local processes.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::net::{TcpListener, UnixListener, UnixStream};

use crate::error::Error;

/// Who sent a request.
#[derive(Debug, Clone)]
pub enum Peer {
    /// A loopback TCP client.
    Tcp(SocketAddr),
    /// A Unix socket client, by uid when the kernel says.
    Unix(Option<u32>),
}

impl Peer {
    /// The Unix socket peer of `stream`.
    pub fn of_unix(stream: &UnixStream) -> Peer {
        Peer::Unix(stream.peer_cred().ok().map(|cred| cred.uid()))
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Tcp(address) => write!(f, "{address}"),
            Peer::Unix(Some(uid)) => write!(f, "unix:uid={uid}"),
            Peer::Unix(None) => f.write_str("unix:uid=unknown"),
        }
    }
}

/// The bound listeners.
#[derive(Debug)]
pub struct Listeners {
    /// The TCP listener on loopback.
    pub tcp: TcpListener,
    /// The Unix socket and its path (removed at shutdown).
    pub unix: Option<(UnixListener, PathBuf)>,
}

impl Listeners {
    /// Binds `address` (loopback only) and the Unix socket at `unix` (mode 0600).
    pub async fn bind(address: SocketAddr, unix: Option<&Path>) -> Result<Listeners, Error> {
        let as_url = url::Url::parse(&format!("http://{address}/"))
            .map_err(|e| Error::Config(format!("--listen {address}: {e}")))?;
        if !entrad_auth::is_loopback(&as_url) {
            return Err(Error::Config(format!(
                "--listen {address} is not a loopback address: the broker hands tokens to whoever reaches it; use 127.0.0.1 or ::1, or --unix-socket"
            )));
        }
        let tcp = TcpListener::bind(address).await.map_err(|e| {
            Error::Config(format!(
                "cannot listen on {address}: {e} (choose another --listen)"
            ))
        })?;
        let unix = match unix {
            Some(path) => Some((bind_unix(path)?, path.to_owned())),
            None => None,
        };
        Ok(Listeners { tcp, unix })
    }

    /// The TCP address actually bound (its port when 0 was asked).
    pub fn address(&self) -> Result<SocketAddr, Error> {
        self.tcp
            .local_addr()
            .map_err(|e| Error::Config(format!("cannot read the listening address: {e}")))
    }
}

fn bind_unix(path: &Path) -> Result<UnixListener, Error> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let failed = |e: std::io::Error| {
        Error::Config(format!(
            "cannot listen on the Unix socket {}: {e} (choose another --unix-socket)",
            path.display()
        ))
    };
    // A socket left by an earlier broker is replaced; any other file is not ours to remove.
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path).map_err(failed)?,
        Ok(_) => {
            return Err(Error::Config(format!(
                "--unix-socket {}: a file that is not a socket is already there",
                path.display()
            )));
        }
        Err(_) => {}
    }
    let listener = UnixListener::bind(path).map_err(failed)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_loopback() {
        let error = Listeners::bind("0.0.0.0:0".parse().unwrap(), None)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("not a loopback address"),
            "{error}"
        );
        let listeners = Listeners::bind("127.0.0.1:0".parse().unwrap(), None)
            .await
            .unwrap();
        assert_ne!(listeners.address().unwrap().port(), 0);
    }

    #[tokio::test]
    async fn unix_socket_is_private_and_never_replaces_a_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broker.sock");
        let listeners = Listeners::bind("127.0.0.1:0".parse().unwrap(), Some(&path))
            .await
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let stream = UnixStream::connect(&path).await.unwrap();
        let (server, _) = listeners.unix.as_ref().unwrap().0.accept().await.unwrap();
        let uid = std::fs::metadata(dir.path())
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .unwrap();
        assert_eq!(
            Peer::of_unix(&server).to_string(),
            format!("unix:uid={uid}")
        );
        drop((stream, listeners));
        let file = dir.path().join("plain");
        std::fs::write(&file, "keep").unwrap();
        let error = Listeners::bind("127.0.0.1:0".parse().unwrap(), Some(&file))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("not a socket"), "{error}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    }
}
