//! The admin API's bearer token: 32 random bytes in hex, kept in the state directory's
//! `admin-token` (owner-only) so that it survives restarts with the same directory.

use std::path::Path;

use rand::RngCore;

use crate::error::{Error, Result};
use crate::files::{StateDir, names, read_optional, write_atomic};

/// Hex characters in a token (32 bytes).
const TOKEN_LEN: usize = 64;

/// The token, kept out of `Debug` output.
#[derive(Clone)]
pub(crate) struct AdminToken(String);

impl AdminToken {
    /// A fresh random value, kept in memory only (the portal's one-time login code).
    pub(crate) fn random() -> AdminToken {
        AdminToken(generate())
    }

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
pub(crate) fn load_or_create(dir: &StateDir, fresh: bool) -> Result<AdminToken> {
    let path = dir.file(names::ADMIN_TOKEN);
    if !fresh && let Some(existing) = read_valid(&path)? {
        restrict(&path)?;
        return Ok(AdminToken(existing));
    }
    let token = generate();
    write_atomic(&path, token.as_bytes(), true)?;
    Ok(AdminToken(token))
}

fn read_valid(path: &Path) -> Result<Option<String>> {
    Ok(read_optional(path)?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(|text| text.trim().to_string())
        .filter(|t| t.len() == TOKEN_LEN && t.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// A file copied or restored with looser permissions is put back to owner-only.
fn restrict(path: &Path) -> Result<()> {
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
mod tests {
    use super::*;

    #[test]
    fn a_token_is_64_hex_characters_and_differs_each_time() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), TOKEN_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn matching_needs_the_same_length_and_bytes() {
        assert!(matches("abcd", "abcd"));
        assert!(!matches("abcd", "abce"));
        assert!(!matches("abcd", "abc"));
        assert!(!matches("abcd", ""));
    }

    #[test]
    fn a_stored_token_is_reused_unless_fresh_is_asked() {
        let root = tempfile::tempdir().unwrap();
        let dir = StateDir::create(root.path()).unwrap();
        let first = load_or_create(&dir, false).unwrap().0;
        assert_eq!(load_or_create(&dir, false).unwrap().0, first);
        assert_ne!(load_or_create(&dir, true).unwrap().0, first);
    }

    #[test]
    fn a_damaged_file_is_replaced() {
        let root = tempfile::tempdir().unwrap();
        let dir = StateDir::create(root.path()).unwrap();
        std::fs::write(dir.file(names::ADMIN_TOKEN), "not a token").unwrap();
        let token = load_or_create(&dir, false).unwrap();
        assert_eq!(token.0.len(), TOKEN_LEN);
        assert!(!format!("{token:?}").contains(&token.0));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_owner_only_even_if_it_was_not() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = StateDir::create(root.path()).unwrap();
        let path = dir.file(names::ADMIN_TOKEN);
        load_or_create(&dir, false).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        load_or_create(&dir, false).unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
