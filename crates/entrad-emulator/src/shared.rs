//! The state every handler shares.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::faults::{Faults, Throttle};
use crate::keys::SigningKey;
use crate::state::Directory;
use crate::stats::Stats;

/// Shared by all handlers through axum's `State`.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `https://127.0.0.1:PORT`, no trailing slash.
    pub(crate) base_url: String,
    pub(crate) port: u16,
    pub(crate) directory: RwLock<Directory>,
    /// The other tenants (`--tenants N`), numbered from 1.
    pub(crate) tenants: Vec<RwLock<Directory>>,
    pub(crate) signing: SigningKey,
    pub(crate) stats: Stats,
    pub(crate) faults: Faults,
    pub(crate) throttle: Throttle,
    /// The bearer token the admin API requires; `None` with `--no-admin-token`.
    pub(crate) admin_token: Option<crate::admin_token::AdminToken>,
    /// Browser sessions, recent requests and the portal's one-time login code.
    pub(crate) web: crate::web::Web,
    /// Continuous access evaluation events.
    pub(crate) cae: crate::cae::Events,
}

pub(crate) type AppState = Arc<Shared>;

impl Shared {
    /// Reads the directory. Writers never leave it half-changed (each change is one
    /// call on the store), so a poisoned lock is still safe to use.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Directory> {
        self.directory.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the directory of tenant number `tenant` (0, or any unknown number: the
    /// default one).
    pub(crate) fn read_at(&self, tenant: usize) -> RwLockReadGuard<'_, Directory> {
        match tenant.checked_sub(1).and_then(|i| self.tenants.get(i)) {
            Some(lock) => lock.read().unwrap_or_else(|p| p.into_inner()),
            None => self.read(),
        }
    }

    /// Changes the directory of tenant number `tenant` (as [`Shared::read_at`] picks it).
    pub(crate) fn write_at(&self, tenant: usize) -> RwLockWriteGuard<'_, Directory> {
        match tenant.checked_sub(1).and_then(|i| self.tenants.get(i)) {
            Some(lock) => lock.write().unwrap_or_else(|p| p.into_inner()),
            None => self.write(),
        }
    }

    /// The number of the tenant a path segment or claim names (GUID or domain).
    pub(crate) fn tenant_index(&self, segment: &str) -> Option<usize> {
        (0..=self.tenants.len()).find(|&n| self.read_at(n).tenant.is(segment))
    }

    /// The directory of the tenant `segment` names, or the default one (whose
    /// tenant check then refuses the segment as unknown).
    pub(crate) fn read_for(&self, segment: &str) -> RwLockReadGuard<'_, Directory> {
        self.read_at(self.tenant_index(segment).unwrap_or(0))
    }
}

/// The base URL the client used (`https://localhost:PORT` when it came by that name),
/// so that issuers and links match what the client sees; any other name gets the
/// configured URL.
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl(pub(crate) String);

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
        Ok(BaseUrl(base_for_host(state, host)))
    }
}

pub(crate) fn base_for_host(state: &Shared, host: Option<&str>) -> String {
    let port = state.port.to_string();
    match host.and_then(|h| h.rsplit_once(':')) {
        Some((name, p)) if p == port && matches!(name, "127.0.0.1" | "localhost" | "[::1]") => {
            format!("https://{name}:{port}")
        }
        _ => state.base_url.clone(),
    }
}
