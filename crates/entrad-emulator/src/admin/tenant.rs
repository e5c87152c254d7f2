//! `?tenant=<GUID or domain>` on the admin API's directory calls: which tenant a
//! change or a test token is for (the default one without it).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;

use super::json::admin_error;
use crate::directories::Directories;

/// The number of the tenant an admin request names (0: the default one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdminTenant(pub(crate) usize);

impl<S> FromRequestParts<S> for AdminTenant
where
    S: Send + Sync,
    Arc<Directories>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        Arc::<Directories>::from_ref(state)
            .tenant_in_query(parts.uri.query())
            .map(AdminTenant)
            .map_err(|e| admin_error(StatusCode::NOT_FOUND, e))
    }
}
