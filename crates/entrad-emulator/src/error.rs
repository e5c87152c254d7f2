//! The crate's one error type, for failures of the emulator itself (not HTTP answers).

use std::path::PathBuf;

/// Why the emulator could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory in the state directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The emulator only listens on loopback: its admin API has no authentication.
    #[error(
        "refusing to listen on {0}: the emulator serves loopback addresses only (127.0.0.0/8, ::1)"
    )]
    NotLoopback(std::net::SocketAddr),
    /// Generating or loading a key or certificate failed.
    #[error("{0}")]
    Crypto(String),
    /// A state file (state.json, users file) is not valid.
    #[error("invalid {path}: {reason}")]
    InvalidState {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--fault` specification could not be parsed.
    #[error("invalid fault {spec:?}: {reason}")]
    InvalidFault {
        /// The specification as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No data directory could be found for the default state directory.
    #[error("no data directory for this user: pass --state-dir")]
    NoDataDir,
    /// Waiting for a shutdown signal failed.
    #[error("cannot listen for signals: {0}")]
    Signal(#[source] std::io::Error),
    /// Writing the ready line failed.
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn crypto(what: &str, err: impl std::fmt::Display) -> Self {
        Error::Crypto(format!("{what}: {err}"))
    }
}
