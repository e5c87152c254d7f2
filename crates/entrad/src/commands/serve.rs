//! `entrad serve`: the token broker, fed by the configured credential.

use crate::cli::GlobalArgs;
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;
use crate::serve::ServeArgs;

/// Builds the token client from the usual configuration and serves its tokens.
pub async fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    let client_id = session.settings.client_id()?.to_owned();
    crate::serve::run(session.auth, client_id, args).await
}
