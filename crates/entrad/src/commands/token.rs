//! `entrad token`: what the token service issued, for checking a setup.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::GlobalArgs;
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;

/// What `entrad token` prints.
#[derive(Serialize)]
struct TokenInfo<'a> {
    /// What served the token: "client secret", "managed identity (IMDS, …)", …
    source: String,
    token_type: &'a str,
    expires_on: String,
    expires_in: u64,
    from_cache: bool,
    /// Where the credential's private key is held, e.g. "hardware-held (PKCS#11
    /// token ..)"; absent for secrets and assertions.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    /// The decoded payload, not verified; `null` for a token that is not a JWT.
    claims: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

/// Acquires a token for the configured scopes and prints its expiry and
/// claims; the token itself only with `--raw`.
pub async fn run(global: &GlobalArgs, raw: bool) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    let scopes: Vec<&str> = session.settings.scopes.iter().map(String::as_str).collect();
    let token = session.auth.acquire_token(&scopes).await?;
    let expires_on = token.expires_on();
    let info = TokenInfo {
        source: session.auth.source_name(),
        token_type: token.token_type(),
        // A time `time` cannot hold or format (past 9999) is "" ("unknown"),
        // never a panic; entrad-auth bounds lifetimes, so it does not occur.
        expires_on: expires_on
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_default(),
        expires_in: expires_on
            .duration_since(SystemTime::now())
            .map(|d| d.as_secs())
            .unwrap_or(0),
        from_cache: token.from_cache(),
        key: session.key_storage.as_ref().map(ToString::to_string),
        claims: token.claims().unwrap_or(Value::Null),
        access_token: raw.then(|| token.secret()),
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &info).map_err(std::io::Error::other)?;
    writeln!(out)?;
    Ok(())
}
