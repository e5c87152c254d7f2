//! The crate's one error type and result.
//!
//! As in the other entrad crates, a message says what failed at its own
//! level and leaves its cause to [`std::error::Error::source`]; callers that
//! show an error to a person print the chain.

use std::path::PathBuf;

use crate::limit::BodyLimit;
use crate::transport_failure::TransportFailure;

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A cause of any type, kept for [`std::error::Error::source`].
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong setting up the HTTP client, sending a
/// request or reading its answer. Messages fit on one line and never hold
/// request bodies, header values or response bodies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CA file of [`HttpOptions::with_ca_file`](crate::HttpOptions::with_ca_file)
    /// could not be read (missing, not a regular file, larger than
    /// [`CA_FILE_LIMIT`](crate::CA_FILE_LIMIT)).
    #[error("cannot read the CA file {}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A CA file or PEM text is not a PEM certificate bundle, or holds no certificate.
    #[error("{what} {problem}")]
    NotCertificates {
        /// The file's path, or "the root certificate PEM".
        what: String,
        /// What is wrong with it.
        problem: &'static str,
        /// The PEM parser's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot set up the HTTP client")]
    Setup(#[source] BoxError),
    /// The request got no answer, or its answer broke off: see
    /// [`TransportFailure::is_untrusted_certificate`] and
    /// [`TransportFailure::is_retryable`].
    #[error("{}", .0.message())]
    Transport(TransportFailure),
    /// The response body passed the limit of its kind ([`BodyLimit`]);
    /// reading stopped there, nothing past the limit was kept.
    #[error("{} from {host} passed the {} limit; reading stopped", limit.what(), limit.size())]
    BodyTooLarge {
        /// The server, `host[:port]`.
        host: String,
        /// The limit it passed.
        limit: BodyLimit,
    },
}

impl Error {
    /// The transport failure, when the request got no answer or its body broke off.
    pub fn transport(&self) -> Option<&TransportFailure> {
        match self {
            Error::Transport(failure) => Some(failure),
            _ => None,
        }
    }

    /// True for a failure that setting up the client, not the network,
    /// caused: a CA file or PEM that cannot be used, the TLS setup.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            Error::CaFile { .. } | Error::NotCertificates { .. } | Error::Setup(_)
        )
    }
}
