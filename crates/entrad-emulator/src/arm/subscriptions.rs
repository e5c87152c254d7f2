//! `GET /subscriptions`, `GET /subscriptions/{id}` and `GET /tenants`: what `az login`
//! lists. The emulator has no subscriptions (a service principal logs in with
//! `--allow-no-subscriptions`, as to a tenant without any); its tenants are those in
//! which the caller's app has a service principal. Each handler takes the [`Caller`]
//! first (a token for ARM), then checks `api-version`.

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::auth::Caller;
use super::error::{ArmError, require_api_version};
use crate::directories::Directories;

pub(crate) async fn list(_caller: Caller, OriginalUri(uri): OriginalUri) -> Response {
    match require_api_version(uri.query()) {
        Ok(()) => axum::Json(json!({ "value": [] })).into_response(),
        Err(refused) => refused.into_response(),
    }
}

pub(crate) async fn get(
    Path(id): Path<String>,
    _caller: Caller,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Err(refused) = require_api_version(uri.query()) {
        return refused.into_response();
    }
    ArmError::new(
        StatusCode::NOT_FOUND,
        "SubscriptionNotFound",
        format!("The subscription '{id}' could not be found."),
    )
    .into_response()
}

pub(crate) async fn tenants(
    State(directories): State<Arc<Directories>>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Err(refused) = require_api_version(uri.query()) {
        return refused.into_response();
    }
    let value: Vec<serde_json::Value> = (0..directories.count())
        .filter_map(|n| {
            let directory = directories.read_at(n);
            let member = directory
                .app(&caller.appid)
                .is_some_and(|app| app.service_principal_id.is_some());
            let tenant = &directory.tenant;
            member.then(|| {
                json!({
                    "id": format!("/tenants/{}", tenant.id),
                    "tenantId": tenant.id,
                    "tenantCategory": if tenant.id == caller.tenant_id { "Home" } else { "ForeignTenant" },
                    "displayName": tenant.display_name,
                    "domains": [tenant.domain],
                    "defaultDomain": tenant.domain,
                    "tenantType": "AAD",
                    "countryCode": "US",
                })
            })
        })
        .collect();
    axum::Json(json!({ "value": value })).into_response()
}
