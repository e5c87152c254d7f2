//! Configuration: the quickstart's parameters.json, the azure-identity
//! environment variables and flags, merged in that order of precedence.

mod auth_error;
mod credential;
mod credential_list;
mod credential_spec;
pub mod credentials_dir;
mod env;
mod file;
mod merge;
mod pin_file;
pub mod plain_http;
mod source;

use std::path::Path;

use entrad_auth::CacheSpec;
use secrecy::ExposeSecret as _;

pub use auth_error::auth_message;
pub use credential::load_credential;
pub use env::EnvConfig;
/// `entrad demo` reads the emulator's parameters file as `run` reads any.
#[cfg(feature = "emulator")]
pub use file::load as load_parameters;
pub use merge::Settings;
pub use source::TokenSourceSpec;

use crate::cli::GlobalArgs;
use crate::error::Error;

/// Settings from `file` (or `--config`), the process environment and the flags.
pub fn load(global: &GlobalArgs, file: Option<&Path>) -> Result<Settings, Error> {
    let file = match (file, &global.config) {
        // ENTRAD_CONFIG (e.g. from the emulator's entrad.env) is the default
        // configuration: the file `entrad run` names goes over it.
        (Some(path), Some(_)) if global.config_from_env => Some(path),
        (Some(_), Some(_)) => {
            return Err(Error::Config(
                "give the parameters file once: either `entrad run FILE` or --config FILE"
                    .to_owned(),
            ));
        }
        (Some(path), None) => Some(path),
        (None, Some(path)) => Some(path.as_path()),
        (None, None) => None,
    };
    let file = file.map(file::load).transpose()?;
    let mut env = EnvConfig::from_process();
    credentials_dir::apply_from_process(&mut env)?;
    let mut settings = Settings::merge(file, env, &global.identity, global.ca_file.clone())?;
    // clap has already put the flag over ENTRAD_CACHE; both go over the file.
    if let Some(spec) = &global.cache {
        settings.cache = CacheSpec::parse(spec.expose_secret()).map_err(|e| {
            Error::Config(format!("--cache (or ENTRAD_CACHE): {}", auth_message(e)))
        })?;
    }
    Ok(settings)
}
