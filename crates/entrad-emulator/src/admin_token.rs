//! The admin API's bearer token: 32 random bytes in hex, kept in the state directory's
//! `admin-token` (owner-only) so that it survives restarts with the same directory.

use std::path::Path;

use rand::RngCore;

use crate::error::Error;
use crate::files::{StateDir, names, read_optional, write_atomic};

/// Hex characters in a token (32 bytes).
const TOKEN_LEN: usize = 64;

/// The token, kept out of `Debug` output.
#[derive(Clone)]
pub(crate) struct AdminToken(String);

impl AdminToken {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// The token of a state directory: the one in its file when it holds a valid one and
/// `fresh` is false, else a new one written there.
pub(crate) fn load_or_create(dir: &StateDir, fresh: bool) -> Result<AdminToken, Error> {
    let path = dir.file(names::ADMIN_TOKEN);
    if !fresh && let Some(existing) = read_valid(&path)? {
        restrict(&path)?;
        return Ok(AdminToken(existing));
    }
    let token = generate();
    write_atomic(&path, token.as_bytes(), true)?;
    Ok(AdminToken(token))
}

fn read_valid(path: &Path) -> Result<Option<String>, Error> {
    Ok(read_optional(path)?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(|text| text.trim().to_string())
        .filter(|t| t.len() == TOKEN_LEN && t.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// A file copied or restored with looser permissions is put back to owner-only.
fn restrict(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("cannot restrict", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn generate() -> String {
    let mut bytes = [0u8; TOKEN_LEN / 2];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares in time independent of where the inputs differ, so that the answer's
/// timing does not reveal a prefix of the token.
pub(crate) fn matches(expected: &str, given: &str) -> bool {
    let (expected, given) = (expected.as_bytes(), given.as_bytes());
    if expected.len() != given.len() {
        return false;
    }
    expected
        .iter()
        .zip(given)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests;
