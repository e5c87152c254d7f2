//! Azure VMs, scale sets and AKS: the Instance Metadata Service.
//! `GET {host}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`
//! with `Metadata: true`; retried on 404/410 (starting), 429 and 5xx.

use entrad_http::StatusSet;
use url::Url;

use super::call::{Call, TokenGet};
use super::identity::IMDS_PARAMS;
use crate::cache::CachedToken;
use crate::{Error, Result};

/// The real IMDS, for production only: tests point the client elsewhere.
pub(crate) const DEFAULT_HOST: &str = "http://169.254.169.254";
/// MSAL Python's (and azure-identity's) override of the IMDS host.
pub(crate) const HOST_VAR: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
const PATH: &str = "/metadata/identity/oauth2/token";

pub(crate) struct Imds {
    url: Url,
}

impl Imds {
    /// IMDS at `host` (scheme and authority, e.g. `http://169.254.169.254`).
    pub(crate) fn at(host: &str) -> Result<Imds> {
        let url = format!("{}{PATH}", host.trim().trim_end_matches('/'));
        let url = Url::parse(&url)
            .map_err(|e| Error::config(format!("the IMDS host {host:?} is not a URL"), e))?;
        Ok(Imds { url })
    }

    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        call.get_token(TokenGet {
            source: "IMDS",
            endpoint: &self.url,
            api_version: "2018-02-01",
            names: &IMDS_PARAMS,
            headers: &[("Metadata", "true")],
            statuses: StatusSet::IMDS,
        })
        .await
    }
}
