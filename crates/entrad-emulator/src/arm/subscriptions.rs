//! `GET /subscriptions`, `GET /subscriptions/{id}` and `GET /tenants`: what `az login`
//! lists. The emulator has no subscriptions (a service principal logs in with
//! `--allow-no-subscriptions`, as to a tenant without any); its tenants are those in
//! which the caller's app has a service principal.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::auth::authenticate;
use super::{ArmError, require_api_version};
use crate::shared::AppState;

/// The checks every listing passes: a token for ARM, then `api-version`.
fn admit(
    state: &AppState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Result<super::auth::Caller, ArmError> {
    let caller = authenticate(state, headers)?;
    require_api_version(uri.query())?;
    Ok(caller)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    match admit(&state, &headers, &uri) {
        Ok(_) => axum::Json(json!({ "value": [] })).into_response(),
        Err(refused) => refused.into_response(),
    }
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Err(refused) = admit(&state, &headers, &uri) {
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
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let caller = match admit(&state, &headers, &uri) {
        Ok(caller) => caller,
        Err(refused) => return refused.into_response(),
    };
    let value: Vec<serde_json::Value> = (0..=state.tenants.len())
        .filter_map(|n| {
            let directory = state.read_at(n);
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
