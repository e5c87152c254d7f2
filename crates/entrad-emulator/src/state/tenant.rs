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
    /// Tenant number `n` (1 and up) of several: a GUID derived from `n`, and
    /// `entrademo{n+1}.onmicrosoft.com`.
    pub(crate) fn numbered(n: usize) -> Tenant {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("entrad-emulator-tenant-{n}").as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Tenant {
            id: uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string(),
            domain: format!("entrademo{}.onmicrosoft.com", n + 1),
            display_name: format!("Entrad Demo {}", n + 1),
        }
    }

    /// Whether a path segment names this tenant (its GUID or its domain, any case).
    pub(crate) fn is(&self, segment: &str) -> bool {
        segment.eq_ignore_ascii_case(&self.id) || segment.eq_ignore_ascii_case(&self.domain)
    }
}
