//! What can go wrong while setting a test or a benchmark up.
//!
//! As in the workspace's libraries, `Display` never repeats the cause that
//! `source()` gives: print errors with `{:?}` (as `expect` does) to see it.

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A test or benchmark could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tokio runtime could not be built.
    #[error("cannot build a tokio runtime")]
    Runtime(#[source] std::io::Error),
    /// The in-process emulator did not start.
    #[error("the emulator did not start")]
    Emulator(#[from] entrad_emulator::Error),
    /// The emulator child process did not start or did not announce itself.
    #[error("the emulator process {program} did not start: {reason}")]
    Child {
        /// The program run.
        program: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read, written or copied.
    #[error("cannot use {path}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file or a reply was not the JSON expected.
    #[error("unexpected JSON in {what}")]
    Json {
        /// Which file or reply.
        what: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A request to the emulator failed before an answer came.
    #[error("an HTTP request to the emulator failed")]
    Http(#[from] reqwest::Error),
    /// The admin API answered with an error status.
    #[error("{method} {path} answered {status}: {body}")]
    Admin {
        /// The request method.
        method: String,
        /// The admin path (under `/_emulator`).
        path: String,
        /// The HTTP status.
        status: u16,
        /// The answer's body.
        body: String,
    },
    /// The emulator's CA could not be made a TLS trust root.
    #[error("the emulator's CA is not a usable trust root")]
    Tls(#[from] rustls::Error),
    /// The Azure SDK's HTTP client could not be built.
    #[error("cannot build the Azure SDK's HTTP client")]
    AzureHttp(#[from] reqwest013::Error),
    /// A URL could not be built.
    #[error("bad URL")]
    Url(#[from] url::ParseError),
    /// The test PostgreSQL server refused or could not be reached.
    #[error("the test PostgreSQL server failed")]
    Postgres(#[source] tokio_postgres::Error),
    /// The browser (chromedriver, Chromium, a WebDriver command) failed.
    #[error("{0}")]
    Browser(String),
    /// The PKCS#11 token refused an operation.
    #[error("PKCS#11: {what}")]
    Pkcs11 {
        /// What was being done.
        what: String,
        /// Why.
        source: cryptoki::error::Error,
    },
    /// A certificate could not be made.
    #[error("cannot make a certificate")]
    Certificate(#[from] rcgen::Error),
    /// A tool the test needs (Python with MSAL, Node with MSAL Node) is missing.
    #[error("{0}")]
    MissingTool(String),
}

/// Reads a file, naming it on failure.
pub(crate) fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })
}
