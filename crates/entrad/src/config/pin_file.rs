//! Reading a PKCS#11 token's PIN from a file.

use secrecy::SecretString;

use crate::error::Error;

/// A PIN file's content, without its final line break.
pub fn read_pin_file(path: &std::path::Path) -> Result<SecretString, Error> {
    let bytes = entrad_auth::read_bounded(path, 4096)
        .map_err(|e| Error::Config(format!("cannot read the PIN file {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Config(format!("the PIN file {} is not UTF-8 text", path.display())))?;
    Ok(SecretString::from(
        text.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}
