//! The emulated managed identities: service principals of the tenant (one
//! system-assigned, one user-assigned), granted `User.Read.All` like the
//! consented app, and picked by each source's selector parameters.

use std::collections::HashMap;

use serde::Serialize;

use crate::state::{App, Directory};

/// One managed identity's ids.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Identity {
    /// The identity's service principal's application (client) id.
    pub client_id: &'static str,
    /// Its service principal's object (principal) id.
    pub object_id: &'static str,
    /// Its Azure resource id (`xms_mirid`).
    pub resource_id: &'static str,
    /// The service principal's display name.
    #[serde(skip)]
    pub name: &'static str,
}

/// The host's system-assigned identity (a VM's).
pub const SYSTEM_ASSIGNED: Identity = Identity {
    client_id: "d7a1c3e5-2b4f-4a6c-9e8d-1f3b5a7c9e20",
    object_id: "e8b2d4f6-3c5a-4b7d-8f9e-2a4c6b8d0f31",
    resource_id: "/subscriptions/00000000-0000-0000-0000-00000000e4d0/resourceGroups/entrad/providers/Microsoft.Compute/virtualMachines/entrad-vm",
    name: "entrad-vm",
};

/// A user-assigned identity attached to the host.
pub const USER_ASSIGNED: Identity = Identity {
    client_id: "5c9e1a3b-7d2f-4e6a-b8c0-3f5d7e9a1b42",
    object_id: "6d0f2b4c-8e3a-4f7b-9c1d-4a6e8f0b2c53",
    resource_id: "/subscriptions/00000000-0000-0000-0000-00000000e4d0/resourceGroups/entrad/providers/Microsoft.ManagedIdentity/userAssignedIdentities/entrad-identity",
    name: "entrad-identity",
};

const ALL: [Identity; 2] = [SYSTEM_ASSIGNED, USER_ASSIGNED];

/// Adds the identities' service principals to the directory when missing
/// (a state saved before they existed).
pub(crate) fn ensure(directory: &mut Directory) {
    for identity in ALL {
        if directory.app(identity.client_id).is_none() {
            directory.apps.push(App {
                client_id: identity.client_id.into(),
                display_name: identity.name.into(),
                service_principal_id: Some(identity.object_id.into()),
                roles: vec![crate::state::GRAPH_ROLE.into()],
                consented: true,
                secrets: Vec::new(),
                certificates: Vec::new(),
                federated_credentials: Vec::new(),
                // Managed identities have no sign-in: nothing to redirect to.
                redirect_uris: Vec::new(),
            });
        }
    }
}

/// A source's names for the selector parameters.
pub(crate) struct Selectors {
    pub(crate) client_id: &'static str,
    pub(crate) resource_id: &'static str,
    pub(crate) object_id: &'static str,
}

/// IMDS's and Azure Arc's.
pub(crate) const IMDS_SELECTORS: Selectors = Selectors {
    client_id: "client_id",
    resource_id: "msi_res_id",
    object_id: "object_id",
};

/// The identity the query asks for (none: the system-assigned one), or
/// `None` when it names an identity the host does not have.
pub(crate) fn select(
    query: &HashMap<String, String>,
    names: &Selectors,
) -> Option<(Identity, Option<(&'static str, String)>)> {
    let asked = [
        (names.client_id, 0),
        (names.resource_id, 1),
        (names.object_id, 2),
    ]
    .into_iter()
    .find_map(|(name, field)| query.get(name).map(|v| (name, field, v.clone())));
    let Some((name, field, value)) = asked else {
        return Some((SYSTEM_ASSIGNED, None));
    };
    let found = ALL.into_iter().find(|identity| {
        let id = match field {
            0 => identity.client_id,
            1 => identity.resource_id,
            _ => identity.object_id,
        };
        id.eq_ignore_ascii_case(&value)
    })?;
    // Only the user-assigned identity is selected by id (as on a real host).
    (found.client_id == USER_ASSIGNED.client_id).then_some((found, Some((name, value))))
}
