//! App Service, Functions, Container Apps: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…`
//! with the `X-IDENTITY-HEADER` the platform sets (a secret: never logged).

use entrad_http::StatusSet;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::call::{Call, TokenGet};
use super::identity::ParamNames;
use crate::Result;
use crate::cache::CachedToken;

/// App Service names the resource id `mi_res_id`.
const PARAMS: ParamNames = ParamNames {
    client_id: "client_id",
    resource_id: "mi_res_id",
    object_id: "object_id",
};

pub(crate) struct AppService {
    pub(crate) endpoint: Url,
    pub(crate) header: SecretString,
}

impl AppService {
    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        call.get_token(TokenGet {
            source: "App Service",
            endpoint: &self.endpoint,
            api_version: "2019-08-01",
            names: &PARAMS,
            headers: &[
                ("X-IDENTITY-HEADER", self.header.expose_secret()),
                ("Metadata", "true"),
            ],
            statuses: StatusSet::TOKEN_SERVICE,
        })
        .await
    }
}
