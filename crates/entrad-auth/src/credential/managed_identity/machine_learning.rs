//! Azure Machine Learning: `GET {MSI_ENDPOINT}?api-version=2017-09-01&resource=…`
//! with the `secret` header (`MSI_SECRET`); a client id goes as `clientid`.

use entrad_http::StatusSet;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::call::{Call, TokenGet};
use super::identity::ParamNames;
use crate::Result;
use crate::cache::CachedToken;

/// The 2017 API's spelling of the client id (MSAL Python's workaround).
const PARAMS: ParamNames = ParamNames {
    client_id: "clientid",
    resource_id: "msi_res_id",
    object_id: "object_id",
};

pub(crate) struct MachineLearning {
    pub(crate) endpoint: Url,
    pub(crate) secret: SecretString,
}

impl MachineLearning {
    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        call.get_token(TokenGet {
            source: "Machine Learning",
            endpoint: &self.endpoint,
            api_version: "2017-09-01",
            names: &PARAMS,
            headers: &[("secret", self.secret.expose_secret())],
            statuses: StatusSet::TOKEN_SERVICE,
        })
        .await
    }
}
