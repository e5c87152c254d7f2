//! An HTTPS client trusting the emulator's CA.

use std::path::Path;

use crate::Result;
use crate::error::read;

/// An HTTPS client trusting the PEM certificate(s) in `ca_file` (besides the
/// webpki roots), ignoring proxies (the emulator is on loopback) and following
/// no redirects (tests look at redirects themselves).
pub fn https_client(ca_file: &Path) -> Result<reqwest::Client> {
    let ca = reqwest::Certificate::from_pem(&read(ca_file)?)?;
    Ok(reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()?)
}

/// Sends `request` and reads its answer as JSON.
///
/// # Panics
/// When no answer comes or it is not JSON.
pub async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("request: {e:?}"));
    let url = response.url().clone();
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url} did not answer JSON: {e:?}"))
}
