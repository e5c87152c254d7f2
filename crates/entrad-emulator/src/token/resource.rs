//! The resources the token service issues app tokens for: Microsoft Graph (by its URI,
//! its app id, or the emulator's own address, as a national cloud gives Graph its own
//! host) and Azure Resource Manager (a first-party resource: any service principal gets
//! a token, without roles and without consent).

use serde_json::Value;

use super::mint::{GRAPH_APP_ID, GRAPH_AUDIENCE};
use crate::base_url::Origin;

/// ARM's identifier URIs, as the Azure CLI (`https://management.core.windows.net/`,
/// the cloud's `activeDirectoryResourceId`) and the Azure SDKs ask for it.
pub(crate) const ARM_AUDIENCES: [&str; 2] = [
    "https://management.core.windows.net/",
    "https://management.azure.com/",
];
/// ARM's well-known application id.
const ARM_APP_ID: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

/// What a token is for, with the `aud` it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resource {
    /// Graph: the consented roles.
    Graph { audience: String },
    /// ARM: no roles (the emulator serves no ARM resources to need any).
    Arm { audience: String },
}

/// The resource `requested` names (`scope` without `/.default`, or a managed identity's
/// `resource`), or `None` when the tenant has no such resource.
pub(crate) fn identify(origin: &Origin, requested: &str) -> Option<Resource> {
    let trimmed = requested.trim_end_matches('/');
    let is = |known: &str| trimmed.eq_ignore_ascii_case(known.trim_end_matches('/'));
    if is(GRAPH_AUDIENCE) || is(GRAPH_APP_ID) {
        return Some(Resource::Graph {
            audience: GRAPH_AUDIENCE.into(),
        });
    }
    if own_origins(origin).iter().any(|origin| is(origin)) {
        return Some(Resource::Graph {
            audience: trimmed.to_ascii_lowercase(),
        });
    }
    // v1 tokens carry the resource as it was asked for (the access token claims
    // reference: "the resource URI used in the request").
    if ARM_AUDIENCES.iter().any(|a| is(a)) || is(ARM_APP_ID) {
        return Some(Resource::Arm {
            audience: requested.to_string(),
        });
    }
    None
}

/// True when a token's `aud` is Graph's: its URI, its app id or the emulator's address.
pub(crate) fn is_graph_audience(origin: &Origin, aud: &str) -> bool {
    matches!(identify(origin, aud), Some(Resource::Graph { .. }))
}

/// True when a token's `aud` is ARM's.
pub(crate) fn is_arm_audience(origin: &Origin, aud: &str) -> bool {
    matches!(identify(origin, aud), Some(Resource::Arm { .. }))
}

/// The emulator's own origins: each loopback name with its port, and the configured URL.
fn own_origins(origin: &Origin) -> Vec<String> {
    let mut origins: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|name| format!("https://{name}:{}", origin.port))
        .collect();
    origins.push(origin.base_url.clone());
    origins
}

impl Resource {
    /// Sets the token's audience; an ARM token carries no Graph roles.
    pub(crate) fn apply(&self, claims: &mut Value) {
        match self {
            Resource::Graph { audience } => claims["aud"] = audience.as_str().into(),
            Resource::Arm { audience } => {
                claims["aud"] = audience.as_str().into();
                if let Some(map) = claims.as_object_mut() {
                    map.remove("roles");
                }
            }
        }
    }
}
