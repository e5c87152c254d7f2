//! The parameters files the emulator writes (the quickstart's `parameters.json` and
//! its variants), read as typed values or as JSON to derive broken variants from.

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::error::read;
use crate::{Error, Result};

/// The quickstart's keys of a secret-variant parameters file.
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
    /// Reads and parses a secret-variant parameters file.
    pub fn read(path: &Path) -> Result<Parameters> {
        let file: File = serde_json::from_slice(&read(path)?).map_err(|source| Error::Json {
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

    /// The scopes as client APIs take them.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope.iter().map(String::as_str).collect()
    }

    /// The token endpoint (`{authority}/oauth2/v2.0/token`).
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/v2.0/token", self.authority)
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

/// Any JSON file (a parameters file of any variant, a state file) as a value.
pub fn read_json(path: &Path) -> Result<Value> {
    serde_json::from_slice(&read(path)?).map_err(|source| Error::Json {
        what: path.display().to_string(),
        source,
    })
}

/// The `AccessToken` entries of a token cache file in MSAL's unified schema
/// (the one entrad's file cache and MSAL apps share).
pub fn msal_access_tokens(cache_file: &Path) -> Result<Vec<Value>> {
    let cache = read_json(cache_file)?;
    Ok(cache["AccessToken"]
        .as_object()
        .map(|entries| entries.values().cloned().collect())
        .unwrap_or_default())
}
