//! The CLI's one error type.
//!
//! As in the libraries, `Display` never repeats the cause that `source()`
//! gives: `exit.rs` prints the chain, with the flag that fixes it.

/// Everything that can end a command. Messages fit on one line and never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration or the command line is wrong; the message says how to fix it.
    #[error("{0}")]
    Config(String),
    /// No token: the token service or the credential failed.
    #[error(transparent)]
    Auth(#[from] entrad_auth::Error),
    /// A Graph call failed.
    #[error("the Graph call failed")]
    Graph {
        /// What went wrong.
        #[source]
        source: entrad_graph::Error,
        /// Where an admin grants consent, for a 403 `Authorization_RequestDenied`.
        consent_url: Option<String>,
    },
    /// Graph refused `/me`: an app-only token has no signed-in user.
    #[error("the Graph call failed")]
    NoSignedInUser(#[source] entrad_graph::Error),
    /// The mirror's database (or a delta page) failed.
    #[error("sync failed")]
    Sync(#[source] entrad_sync::Error),
    /// Some tenants of a sync failed; each was reported on its own line.
    #[error("{failed} of {tenants} tenants failed to sync (see above)")]
    TenantsFailed {
        /// Tenants that failed.
        failed: usize,
        /// Tenants in the run.
        tenants: usize,
        /// The exit code of the first failure.
        code: u8,
    },
    /// Writing to stdout failed.
    #[error("cannot write the output")]
    Output(#[from] std::io::Error),
    /// The emulator failed to start or serve.
    #[cfg(feature = "emulator")]
    #[error(transparent)]
    Emulator(#[from] entrad_emulator::Error),
    /// The demo did not behave as the emulator promises.
    #[cfg(feature = "emulator")]
    #[error("demo failed: {0}")]
    Demo(String),
}
