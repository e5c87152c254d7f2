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

/// Which of an identity's ids a selector parameter names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdKind {
    Client,
    Resource,
    Object,
}

impl IdKind {
    fn of(self, identity: &Identity) -> &'static str {
        match self {
            IdKind::Client => identity.client_id,
            IdKind::Resource => identity.resource_id,
            IdKind::Object => identity.object_id,
        }
    }
}

/// A source's selector parameters, in the order it reads them.
pub(crate) type Selectors = [(&'static str, IdKind)];

/// IMDS's and Azure Arc's.
pub(crate) const IMDS_SELECTORS: &Selectors = &[
    ("client_id", IdKind::Client),
    ("msi_res_id", IdKind::Resource),
    ("object_id", IdKind::Object),
];

/// The selector parameters the query carries, in the source's order.
pub(crate) fn given(query: &HashMap<String, String>, names: &Selectors) -> Vec<&'static str> {
    names
        .iter()
        .filter(|(name, _)| query.contains_key(*name))
        .map(|(name, _)| *name)
        .collect()
}

/// The identity the query asks for (none: the system-assigned one), or
/// `None` when it names an identity the host does not have.
pub(crate) fn select(
    query: &HashMap<String, String>,
    names: &Selectors,
) -> Option<(Identity, Option<(&'static str, String)>)> {
    let asked = names
        .iter()
        .find_map(|&(name, kind)| query.get(name).map(|v| (name, kind, v.clone())));
    let Some((name, kind, value)) = asked else {
        return Some((SYSTEM_ASSIGNED, None));
    };
    let found = ALL
        .into_iter()
        .find(|identity| kind.of(identity).eq_ignore_ascii_case(&value))?;
    // Only the user-assigned identity is selected by id (as on a real host).
    (found.client_id == USER_ASSIGNED.client_id).then_some((found, Some((name, value))))
}
