//! The emulated tenant.

use serde::{Deserialize, Serialize};

/// The tenant id used when a state directory is first created.
pub const DEFAULT_TENANT_ID: &str = "e3a1d7c2-5b0f-4a8e-9c61-2f4d8b7a0e15";
/// The tenant's initial domain.
pub const DEFAULT_TENANT_DOMAIN: &str = "entrademo.onmicrosoft.com";

/// A tenant: its GUID, its verified domain and its display name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tenant {
    pub(crate) id: String,
    pub(crate) domain: String,
    pub(crate) display_name: String,
}

impl Default for Tenant {
    fn default() -> Self {
        Tenant {
            id: DEFAULT_TENANT_ID.into(),
            domain: DEFAULT_TENANT_DOMAIN.into(),
            display_name: "Entrad Demo".into(),
        }
    }
}

impl Tenant {
    /// Whether a path segment names this tenant (its GUID or its domain, any case).
    pub(crate) fn is(&self, segment: &str) -> bool {
        segment.eq_ignore_ascii_case(&self.id) || segment.eq_ignore_ascii_case(&self.domain)
    }
}
