//! The quickstart's `parameters.json`: entrad-auth's model of it
//! ([`entrad_auth::parameters`]), its errors as the CLI's configuration errors.

use std::path::Path;

pub use entrad_auth::parameters::ParametersFile;

use crate::config::auth_message;
use crate::error::Error;

/// Reads and checks the file at `path`.
pub fn load(path: &Path) -> Result<ParametersFile, Error> {
    ParametersFile::load(path).map_err(|e| Error::Config(auth_message(e)))
}

/// Checks `text` as the content of the file at `path`.
#[cfg(test)]
pub fn parse(path: &Path, text: &str) -> Result<ParametersFile, Error> {
    ParametersFile::parse(path, text).map_err(|e| Error::Config(auth_message(e)))
}
