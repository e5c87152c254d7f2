//! `entrad token`: what the token service issued, for checking a setup.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{Format, GlobalArgs};
use crate::commands::session::{Session, authority};
use crate::config;
use crate::config::TokenSourceSpec;
use crate::error::Error;
use crate::output;

/// What `entrad token` prints.
#[derive(Serialize)]
struct TokenInfo<'a> {
    /// What served the token: "client secret", "managed identity (IMDS, …)", …
    source: String,
    /// Which credential obtained it: `secret:<16 hex digits of a salted
    /// hash>` or `certificate:sha1:<thumbprint>`; absent when unknown
    /// (managed identity, assertions, a token an MSAL app cached).
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<&'a str>,
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

/// What `entrad token` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Expiry and claims, in `--format`.
    Info,
    /// The same with the access token (`--raw`).
    InfoAndToken,
    /// The access token alone on a line (`--only`), for `$(entrad token --only)`.
    TokenOnly,
}

/// Acquires a token for the configured scopes and prints its expiry and
/// claims in `--format`; the token itself only as `show` asks.
pub async fn run(global: &GlobalArgs, show: Show) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    let scopes: Vec<&str> = session.settings.scopes.iter().map(String::as_str).collect();
    let token = session.auth.acquire_token(&scopes).await?;
    let claims = token.claims().unwrap_or(Value::Null);
    if let Some(warning) = no_roles(&session, &claims) {
        tracing::warn!("{warning}");
    }
    if show == Show::TokenOnly {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", token.secret())?;
        out.flush()?;
        return Ok(());
    }
    let expires_on = token.expires_on();
    let info = TokenInfo {
        source: session.auth.source_name(),
        credential: token.credential(),
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
        claims,
        access_token: (show == Show::InfoAndToken).then(|| token.secret()),
    };
    if global.format == Format::Json {
        // In the struct's order (a `Value` would sort the keys), as before --format.
        let mut out = output::stdout();
        serde_json::to_writer_pretty(&mut out, &info).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let info = serde_json::to_value(&info).map_err(std::io::Error::from)?;
    output::sink(global.format, output::stdout(), Vec::new()).single(&info)?;
    Ok(())
}

/// An app token (no `scp`: not a user's) without a `roles` claim carries no
/// application permission: Graph will refuse it. Says why, and the fix.
fn no_roles(session: &Session, claims: &Value) -> Option<String> {
    let claims = claims.as_object()?;
    if claims.contains_key("roles") || claims.contains_key("scp") {
        return None;
    }
    let fix = match &session.settings.token_source {
        TokenSourceSpec::App => {
            let url = authority(&session.settings)
                .ok()
                .zip(session.settings.client_id().ok())
                .map(|(authority, client_id)| authority.admin_consent_url(client_id).to_string());
            match url {
                Some(url) => {
                    format!("admin consent is probably missing: ask a global admin to open {url}")
                }
                None => "admin consent is probably missing (`entrad consent-url` prints the link)"
                    .to_owned(),
            }
        }
        _ => "grant its identity Graph's application permissions (app role assignments)".to_owned(),
    };
    Some(format!(
        "the token has no `roles` claim: it carries no application permission, so Graph will refuse it (403); {fix}"
    ))
}
