//! `entrad serve`: the token broker, fed by the configured credential.

use crate::cli::GlobalArgs;
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;
use crate::serve::ServeArgs;

/// Builds the token client from the usual configuration and serves its tokens.
pub async fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    // A managed identity or the chain upstream needs no client id in the configuration.
    let client_id = session
        .settings
        .client_id()
        .map(str::to_owned)
        .unwrap_or_default();
    crate::serve::run(session.auth, client_id, args).await
}
