//! `GET /metadata/endpoints?api-version=…`: the cloud's endpoints, as ARM publishes
//! them for `az cloud register --endpoint-resource-manager`. ARM is the host the
//! request came to; sign-in and Graph are the emulator under another loopback name,
//! so that `az rest` (which picks the token's resource by the URL's origin) asks for
//! a Graph token for Graph URLs and an ARM token for ARM's.

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::require_api_version;
use crate::base_url::{BaseUrl, Origin};
use crate::token::resource::ARM_AUDIENCES;

/// The cloud's name in the metadata (`az cloud register -n` names it locally).
const CLOUD_NAME: &str = "Entrad";

pub(crate) async fn endpoints(
    State(origin): State<Arc<Origin>>,
    BaseUrl(arm): BaseUrl,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Err(refused) = require_api_version(uri.query()) {
        return refused.into_response();
    }
    let login = if arm == origin.base_url {
        format!("https://localhost:{}", origin.port)
    } else {
        origin.base_url.clone()
    };
    axum::Json(json!({
        "name": CLOUD_NAME,
        "portal": format!("{login}/_emulator/portal/"),
        "authentication": {
            // Without a trailing slash: the Azure CLI appends `/{tenant}/v2.0/…` as is.
            "loginEndpoint": login,
            "audiences": ARM_AUDIENCES,
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "resourceManager": format!("{arm}/"),
        "microsoftGraphResourceId": format!("{login}/"),
        "suffixes": {},
    }))
    .into_response()
}
