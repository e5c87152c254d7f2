//! What can go wrong while setting a benchmark up.

/// A benchmark could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The tokio runtime could not be built.
    #[error("cannot build a tokio runtime: {0}")]
    Runtime(std::io::Error),
    /// The emulator did not start.
    #[error("the emulator did not start: {0}")]
    Emulator(#[from] entrad_emulator::Error),
    /// The token client could not be built or refused a token.
    #[error("token client: {0}")]
    Auth(#[from] entrad_auth::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
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
    /// An HTTP request to the emulator failed.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A URL could not be built.
    #[error("bad URL: {0}")]
    Url(#[from] url::ParseError),
}
