//! `entrad consent-url`: the link a global admin opens to grant the app's permissions.

use std::io::Write;

use crate::cli::GlobalArgs;
use crate::commands::session::authority;
use crate::config;
use crate::error::Error;

/// Prints `{authority}/adminconsent?client_id={client_id}`; needs no credential.
pub fn run(global: &GlobalArgs) -> Result<(), Error> {
    let settings = config::load(global, None)?;
    let url = authority(&settings)?.admin_consent_url(settings.client_id()?);
    writeln!(std::io::stdout(), "{url}")?;
    Ok(())
}
