//! The identity header: a secret random per start that App Service callers
//! send as `X-IDENTITY-HEADER`, compared in constant time, written 0600 to a
//! file for processes started later, never logged.

use std::fmt;
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::serve::header_file::{HeaderFile, Stale};

/// The per-start secret. `Debug` hides it.
pub struct HeaderSecret(String);

impl HeaderSecret {
    /// 32 random bytes, hex-encoded.
    pub fn generate() -> HeaderSecret {
        let bytes: [u8; 32] = rand::random();
        HeaderSecret(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Whether `presented` is the secret, in time independent of where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        // The length is not secret (always 64); only the content is compared in constant time.
        presented.len() == self.0.len() && bool::from(self.0.as_bytes().ct_eq(presented))
    }

    /// The value for `IDENTITY_HEADER`.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Writes the secret to a new file at `path` (see [`HeaderFile`]), held
    /// locked while the returned [`HeaderFile`] lives: a second broker given
    /// the same file (the default one, say) fails saying so instead of
    /// replacing the first one's secret.
    pub fn write_file(&self, path: &Path, stale: Stale) -> Result<HeaderFile, Error> {
        HeaderFile::create(path, self.0.as_bytes(), stale)
    }
}

impl fmt::Debug for HeaderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HeaderSecret(..)")
    }
}

/// The default file: `<runtime dir>/entrad/identity-header` (the cache dir without one).
pub fn default_path() -> Option<PathBuf> {
    dirs::runtime_dir()
        .or_else(dirs::cache_dir)
        .map(|dir| dir.join("entrad").join("identity-header"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        let secret = HeaderSecret::generate();
        assert_eq!(secret.expose().len(), 64);
        assert!(secret.matches(secret.expose().as_bytes()));
        let mut wrong = secret.expose().as_bytes().to_vec();
        wrong[63] ^= 1;
        assert!(!secret.matches(&wrong));
        assert!(!secret.matches(&secret.expose().as_bytes()[..63]));
        assert!(!secret.matches(b""));
        assert_ne!(secret.expose(), HeaderSecret::generate().expose());
        assert!(!format!("{secret:?}").contains(secret.expose()));
    }
}
