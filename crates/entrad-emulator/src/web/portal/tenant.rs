//! The tenant a portal page shows with `--tenants N`: `?tenant=<GUID or domain>` on
//! the apps, users and groups pages and their forms (the default tenant without it),
//! and the switcher that sets it.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::directories::Directories;
use crate::web::error_page::ErrorPage;
use crate::web::page::Page;

/// The number of the tenant a portal request names (0: the default one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PortalTenant(pub(crate) usize);

impl<S> FromRequestParts<S> for PortalTenant
where
    S: Send + Sync,
    Arc<Directories>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        Arc::<Directories>::from_ref(state)
            .tenant_in_query(parts.uri.query())
            .map(PortalTenant)
            .map_err(|message| {
                Page::new(&ErrorPage {
                    title: "No such tenant".into(),
                    message,
                })
                .status(StatusCode::NOT_FOUND)
                .into_response()
            })
    }
}

/// One tenant in the switcher.
pub(crate) struct TenantOption {
    pub(crate) domain: String,
    pub(crate) name: String,
    pub(crate) selected: bool,
}

/// The tenant a page shows, for its links and forms, and the switcher's choices.
pub(crate) struct TenantChoice {
    /// Empty for the default tenant, else its domain.
    pub(crate) domain: String,
    pub(crate) options: Vec<TenantOption>,
}

/// The tenant a request names, with the switcher, for a page that shows no more of it.
impl<S> FromRequestParts<S> for TenantChoice
where
    S: Send + Sync,
    Arc<Directories>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let tenant = PortalTenant::from_request_parts(parts, state).await?;
        Ok(TenantChoice::new(
            &Arc::<Directories>::from_ref(state),
            tenant,
        ))
    }
}

impl TenantChoice {
    pub(crate) fn new(
        directories: &Directories,
        PortalTenant(current): PortalTenant,
    ) -> TenantChoice {
        let options = (0..directories.count())
            .map(|n| {
                let directory = directories.read_at(n);
                TenantOption {
                    domain: directory.tenant.domain.clone(),
                    name: directory.tenant.display_name.clone(),
                    selected: n == current,
                }
            })
            .collect::<Vec<_>>();
        let domain = match current {
            0 => String::new(),
            n => options.get(n).map(|o| o.domain.clone()).unwrap_or_default(),
        };
        TenantChoice { domain, options }
    }

    /// `?tenant=…` for a link or form of this page (empty for the default tenant).
    pub(crate) fn query(&self) -> String {
        self.pair('?')
    }

    /// `&tenant=…`, to follow other parameters.
    pub(crate) fn and(&self) -> String {
        self.pair('&')
    }

    fn pair(&self, separator: char) -> String {
        if self.domain.is_empty() {
            return String::new();
        }
        let pair = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("tenant", &self.domain)
            .finish();
        format!("{separator}{pair}")
    }
}
