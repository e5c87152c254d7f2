//! Azure Cloud Shell: `POST {MSI_ENDPOINT}` with the form `resource=…` and
//! `Metadata: true` (azure-identity's `CloudShellCredential`). The signed-in
//! user's identity only: no user-assigned identities.

use entrad_http::StatusSet;
use url::Url;

use super::call::Call;
use super::reply;
use crate::cache::CachedToken;
use crate::{Error, ManagedIdentity, Result};

pub(crate) struct CloudShell {
    pub(crate) endpoint: Url,
}

impl CloudShell {
    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        if *call.identity != ManagedIdentity::SystemAssigned {
            return Err(Error::Config(format!(
                "Cloud Shell serves its own identity only, not the {}: use system",
                call.identity
            )));
        }
        let reply = call
            .send(StatusSet::TOKEN_SERVICE, || {
                call.http
                    .post(&self.endpoint)
                    .header("Metadata", "true")
                    .form(&[("resource", call.resource)])
            })
            .await?;
        reply::token(&reply, "Cloud Shell")
    }
}
