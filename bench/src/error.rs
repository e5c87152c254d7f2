//! What can go wrong while setting a benchmark up.
//!
//! As in the workspace's libraries, `Display` never repeats the cause that
//! `source()` gives.

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A benchmark could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The runtime, the emulator, its parameters or its admin API could not be set up.
    #[error(transparent)]
    Setup(#[from] entrad_testkit::Error),
    /// The token client could not be built or refused a token.
    #[error("token client")]
    Auth(#[from] entrad_auth::Error),
}
