//! Where the managed identity endpoints are, for the ready line.

use serde::Serialize;

use super::identities::Identity;

/// The endpoints and the identities they serve.
#[derive(Debug, Clone, Serialize)]
pub struct ManagedIdentityInfo {
    /// The plain http listener (IMDS's host: `AZURE_POD_IDENTITY_AUTHORITY_HOST`).
    pub url: String,
    /// Service Fabric's https endpoint.
    pub service_fabric_url: String,
    /// The host's system-assigned identity.
    pub system_assigned: Identity,
    /// The user-assigned identity attached to it.
    pub user_assigned: Identity,
}
