//! The emulator's admin API: request counters.

use std::path::Path;

use serde_json::Value;
use url::Url;

use crate::Error;

/// A client of `/_emulator/stats`.
#[derive(Debug, Clone)]
pub struct Admin {
    http: reqwest::Client,
    stats: Url,
    reset: Url,
    /// The emulator's admin token (`None` when it runs without one).
    token: Option<String>,
}

/// A snapshot of `GET /_emulator/stats`.
#[derive(Debug, Clone)]
pub struct Stats(Value);

impl Stats {
    /// Requests served on `route` (`token`, `users`, `openid-configuration`, ...).
    pub fn route(&self, route: &str) -> u64 {
        self.0["requests"][route].as_u64().unwrap_or(0)
    }

    /// Requests served on every route.
    pub fn total(&self) -> u64 {
        self.0["total"].as_u64().unwrap_or(0)
    }
}

/// An HTTP client trusting the PEM certificate(s) in `ca_file`.
pub(crate) fn trusting(ca_file: &Path) -> Result<reqwest::Client, Error> {
    let pem = std::fs::read(ca_file).map_err(|source| Error::Read {
        path: ca_file.to_path_buf(),
        source,
    })?;
    Ok(reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem)?)
        .build()?)
}

impl Admin {
    /// The admin API of the emulator at `base`, whose CA is `ca_file`, called with
    /// its admin token.
    pub fn new(base: Url, ca_file: &Path, token: Option<&str>) -> Result<Admin, Error> {
        Ok(Admin {
            http: trusting(ca_file)?,
            stats: base.join("/_emulator/stats")?,
            reset: base.join("/_emulator/stats/reset")?,
            token: token.map(String::from),
        })
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// The request counters.
    pub async fn stats(&self) -> Result<Stats, Error> {
        let bytes = self
            .authorized(self.http.get(self.stats.clone()))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        serde_json::from_slice(&bytes)
            .map(Stats)
            .map_err(|source| Error::Json {
                what: "/_emulator/stats".into(),
                source,
            })
    }

    /// Sets every counter to zero.
    pub async fn reset(&self) -> Result<(), Error> {
        self.authorized(self.http.post(self.reset.clone()))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}
