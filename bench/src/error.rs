//! What can go wrong while setting a benchmark up.

/// A benchmark could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The runtime, the emulator, its parameters or its admin API could not be set up.
    #[error("{0}")]
    Setup(#[from] entrad_testkit::Error),
    /// The token client could not be built or refused a token.
    #[error("token client: {0}")]
    Auth(#[from] entrad_auth::Error),
}
