//! Which managed identity: the host's system-assigned one, or a
//! user-assigned one by client id, resource id or object id.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// A managed identity, as MSAL's `SystemAssignedManagedIdentity` /
/// `UserAssignedManagedIdentity`. Parsed from `system`, `client-id:ID`,
/// `resource-id:ID` or `object-id:ID`.
///
/// ```
/// use entrad_auth::ManagedIdentity;
/// assert_eq!("system".parse::<ManagedIdentity>()?, ManagedIdentity::SystemAssigned);
/// assert_eq!(
///     "object-id:5b3c".parse::<ManagedIdentity>()?,
///     ManagedIdentity::ObjectId("5b3c".into())
/// );
/// assert!("client-id:".parse::<ManagedIdentity>().is_err());
/// # Ok::<(), entrad_auth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ManagedIdentity {
    /// The host's system-assigned identity.
    SystemAssigned,
    /// A user-assigned identity by its client (application) id.
    ClientId(String),
    /// A user-assigned identity by its Azure resource id.
    ResourceId(String),
    /// A user-assigned identity by its object (principal) id.
    ObjectId(String),
}

/// The query parameter names a source gives a user-assigned identity.
pub(crate) struct ParamNames {
    pub(crate) client_id: &'static str,
    pub(crate) resource_id: &'static str,
    pub(crate) object_id: &'static str,
}

/// IMDS's and Azure Arc's names (`msi_res_id`).
pub(crate) const IMDS_PARAMS: ParamNames = ParamNames {
    client_id: "client_id",
    resource_id: "msi_res_id",
    object_id: "object_id",
};

impl ManagedIdentity {
    /// The query parameter selecting this identity, under `names`; `None`
    /// for the system-assigned identity.
    pub(crate) fn param(&self, names: &ParamNames) -> Option<(&'static str, &str)> {
        match self {
            ManagedIdentity::SystemAssigned => None,
            ManagedIdentity::ClientId(id) => Some((names.client_id, id)),
            ManagedIdentity::ResourceId(id) => Some((names.resource_id, id)),
            ManagedIdentity::ObjectId(id) => Some((names.object_id, id)),
        }
    }

    /// The id of a user-assigned identity.
    pub(crate) fn id(&self) -> Option<&str> {
        self.param(&IMDS_PARAMS).map(|(_, id)| id)
    }

    /// The cache key's client id part: `system`, or the kind and id.
    pub(crate) fn key(&self) -> String {
        match self {
            ManagedIdentity::SystemAssigned => "system".into(),
            other => other.to_string().replace(' ', "-"),
        }
    }
}

impl FromStr for ManagedIdentity {
    type Err = Error;

    fn from_str(s: &str) -> Result<ManagedIdentity> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("system") {
            return Ok(ManagedIdentity::SystemAssigned);
        }
        let (kind, id) = s.split_once(':').unwrap_or((s, ""));
        let id = id.trim();
        let make = match kind.trim().to_ascii_lowercase().as_str() {
            "client-id" => ManagedIdentity::ClientId,
            "resource-id" => ManagedIdentity::ResourceId,
            "object-id" => ManagedIdentity::ObjectId,
            _ => {
                return Err(Error::Config(format!(
                    "managed identity {s:?} is not understood: give system, client-id:ID, resource-id:ID or object-id:ID"
                )));
            }
        };
        if id.is_empty() {
            return Err(Error::Config(format!(
                "managed identity {s:?} names no id: give {kind}:ID"
            )));
        }
        Ok(make(id.to_string()))
    }
}

impl fmt::Display for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagedIdentity::SystemAssigned => f.write_str("system-assigned"),
            ManagedIdentity::ClientId(id) => write!(f, "user-assigned client id {id}"),
            ManagedIdentity::ResourceId(id) => write!(f, "user-assigned resource id {id}"),
            ManagedIdentity::ObjectId(id) => write!(f, "user-assigned object id {id}"),
        }
    }
}
