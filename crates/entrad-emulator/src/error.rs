//! The crate's one error type, for failures of the emulator itself (not HTTP answers).
//!
//! One rule for every message: an error's `Display` says what failed at its
//! own level and never repeats its cause; the cause is reachable through
//! [`std::error::Error::source`]. Whoever shows an error to a person prints
//! the chain (`entrad-emulator` and `entrad` print `error: cause: cause`).

use std::path::PathBuf;

/// A cause from one of the crypto libraries (rsa, pkcs8, rcgen, ring,
/// x509-parser, p12-keystore, rustls): each has its own error type.
pub type CryptoCause = Box<dyn std::error::Error + Send + Sync>;

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the emulator could not start or keep running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory in the state directory could not be read or written.
    #[error("{action} {path}")]
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
    #[error("cannot listen on {addr}")]
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
    /// Generating, encoding or loading a key or certificate failed.
    #[error("{what}")]
    Crypto {
        /// What was being done, e.g. `cannot generate the CA key`.
        what: &'static str,
        /// The crypto library's error.
        #[source]
        source: CryptoCause,
    },
    /// The task that generates the keys and certificates panicked or was cancelled.
    #[error("key generation failed")]
    KeyGeneration(#[source] tokio::task::JoinError),
    /// A registered app certificate does not hold an RSA key (the only kind
    /// the token service accepts for client assertions).
    #[error("the app certificate must hold an RSA key")]
    CertificateNotRsa,
    /// Signing a token the emulator writes for clients (the federated token file) failed.
    #[error("cannot sign the {what}")]
    Signing {
        /// What was being signed.
        what: &'static str,
    },
    /// The URL the emulator serves at could not be built from its address.
    #[error("bad URL {url}")]
    Url {
        /// The text that did not parse.
        url: String,
        /// Why.
        #[source]
        source: url::ParseError,
    },
    /// A state file (state.json, users file) is not valid.
    #[error("invalid {path}: {reason}")]
    InvalidState {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A state file (state.json, users file) is not JSON, or not the JSON expected.
    #[error("invalid {path}")]
    StateJson {
        /// The file.
        path: PathBuf,
        /// The JSON parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A user in a users file is not a user.
    #[error("invalid {path}: user #{index}")]
    UserJson {
        /// The file.
        path: PathBuf,
        /// The user's position in the file, from 0.
        index: usize,
        /// The JSON parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A fault specification (`Config::faults`) could not be parsed.
    #[error("invalid fault {spec:?}: {reason}")]
    InvalidFault {
        /// The specification as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No data directory could be found for the default state directory.
    #[error("no data directory for this user, and no state directory given")]
    NoDataDir,
    /// Waiting for a shutdown signal failed.
    #[error("cannot listen for signals")]
    Signal(#[source] std::io::Error),
    /// Writing the ready line failed.
    #[error("cannot write to stdout")]
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

    pub(crate) fn crypto(what: &'static str, source: impl Into<CryptoCause>) -> Self {
        Error::Crypto {
            what,
            source: source.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_url_that_does_not_parse_is_the_source() {
        let source = url::Url::parse("https://[::1").unwrap_err();
        let e = Error::Url {
            url: "https://[::1".into(),
            source,
        };
        let cause = e.source().expect("a source");
        assert_eq!(cause.downcast_ref::<url::ParseError>(), Some(&source));
        assert_eq!(e.to_string(), "bad URL https://[::1");
    }

    #[test]
    fn crypto_causes_are_the_library_errors() {
        let e = Error::crypto(
            "cannot make a certificate",
            rcgen::Error::CouldNotParseKeyPair,
        );
        let cause = e.source().expect("a source");
        assert!(cause.is::<rcgen::Error>(), "{e:?}");
        assert_eq!(e.to_string(), "cannot make a certificate");
    }

    #[tokio::test]
    async fn a_failed_key_generation_task_is_the_source() {
        let join = tokio::spawn(std::future::pending::<()>());
        join.abort();
        let e = Error::KeyGeneration(join.await.unwrap_err());
        assert!(e.source().is_some_and(|c| c.is::<tokio::task::JoinError>()));
    }

    #[test]
    fn messages_name_no_program_flags_and_no_cause_twice() {
        let io = || std::io::Error::other("disk on fire");
        let errors = [
            Error::NoDataDir,
            Error::io("cannot write", "/state/ca.pem", io()),
            Error::Bind {
                addr: "127.0.0.1:1".parse().unwrap(),
                source: io(),
            },
            Error::Signal(io()),
            Error::Stdout(io()),
            Error::InvalidFault {
                spec: "x".into(),
                reason: "unknown kind".into(),
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains("--"), "{text}");
            assert!(!text.contains("disk on fire"), "{text}");
        }
    }
}
