//! The quickstart's `parameters.json` (secret variant), as the emulator writes it.

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::Error;

/// The quickstart's keys.
pub struct Parameters {
    /// `https://127.0.0.1:PORT/{tenant}`.
    pub authority: String,
    /// The application (client) id.
    pub client_id: String,
    /// `["https://graph.microsoft.com/.default"]`.
    pub scope: Vec<String>,
    secret: SecretString,
    /// `https://127.0.0.1:PORT/v1.0/users`.
    pub endpoint: String,
}

/// The file as written; the secret moves into a `SecretString` at once.
#[derive(Deserialize)]
struct File {
    authority: String,
    client_id: String,
    scope: Vec<String>,
    secret: String,
    endpoint: String,
}

impl Parameters {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Parameters, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: File = serde_json::from_slice(&bytes).map_err(|source| Error::Json {
            what: path.display().to_string(),
            source,
        })?;
        Ok(Parameters {
            authority: file.authority,
            client_id: file.client_id,
            scope: file.scope,
            secret: SecretString::from(file.secret),
            endpoint: file.endpoint,
        })
    }

    /// The client secret.
    pub fn secret(&self) -> String {
        self.secret.expose_secret().to_owned()
    }

    /// The scopes as the client API takes them.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope.iter().map(String::as_str).collect()
    }
}

impl fmt::Debug for Parameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parameters")
            .field("authority", &self.authority)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .field("secret", &format_args!("[REDACTED]"))
            .field("endpoint", &self.endpoint)
            .finish()
    }
}
