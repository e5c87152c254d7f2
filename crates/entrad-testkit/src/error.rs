//! What can go wrong while setting a test or a benchmark up.

/// A test or benchmark could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tokio runtime could not be built.
    #[error("cannot build a tokio runtime: {0}")]
    Runtime(std::io::Error),
    /// The in-process emulator did not start.
    #[error("the emulator did not start: {0}")]
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
    #[error("cannot use {path}: {source}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file or a reply was not the JSON expected.
    #[error("unexpected JSON in {what}: {source}")]
    Json {
        /// Which file or reply.
        what: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A request to the emulator failed before an answer came.
    #[error("HTTP: {0}")]
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
    /// A URL could not be built.
    #[error("bad URL: {0}")]
    Url(#[from] url::ParseError),
    /// A tool the test needs (Python with MSAL, Node with MSAL Node) is missing.
    #[error("{0}")]
    MissingTool(String),
}

/// Reads a file, naming it on failure.
pub(crate) fn read(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })
}
