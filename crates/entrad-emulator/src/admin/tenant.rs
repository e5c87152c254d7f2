//! `?tenant=<GUID or domain>` on the admin API's directory calls: which tenant a
//! change or a test token is for (the default one without it).

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;

use super::admin_error;
use crate::shared::AppState;

/// The number of the tenant an admin request names (0: the default one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdminTenant(pub(crate) usize);

impl FromRequestParts<AppState> for AdminTenant {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        tenant_in_query(state, parts.uri.query())
            .map(AdminTenant)
            .map_err(|e| admin_error(StatusCode::NOT_FOUND, e))
    }
}

/// The number of the tenant a query's `tenant` parameter names (0 without one), or
/// what is wrong with it. The portal's pages pick their tenant the same way.
pub(crate) fn tenant_in_query(state: &AppState, query: Option<&str>) -> Result<usize, String> {
    let query = query.unwrap_or_default();
    match url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "tenant") {
        None => Ok(0),
        Some((_, name)) => state.tenant_index(&name).ok_or_else(|| {
            format!("no tenant {name}: give a tenant id or domain of the ready line's tenants")
        }),
    }
}
