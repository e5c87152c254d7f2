//! `state.json`: the tenant, the apps with their secrets and consent, how the users
//! were made, and a journal of the changes made through the admin API since. A
//! directory of 100,000 generated users is thus a small file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

use super::apps::FederatedCredential;
use super::group::Group;
use super::tenant::Tenant;
use super::user::User;
use crate::error::{Error, Result};
use crate::files::{read_optional, write_atomic};

const VERSION: u32 = 1;

/// Where the initial users come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub(crate) enum UsersBase {
    Generated { count: usize, seed: u64 },
    File { path: PathBuf },
}

/// One change made through the admin API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum JournalEntry {
    Upsert {
        seq: u64,
        user: User,
    },
    Remove {
        seq: u64,
        id: Uuid,
        permanent: bool,
    },
    /// A group created or changed (group changes have their own sequence).
    GroupUpsert {
        seq: u64,
        group: Group,
    },
    GroupRemove {
        seq: u64,
        id: Uuid,
        permanent: bool,
    },
    /// A member added to (or removed from) a group.
    Member {
        seq: u64,
        group: Uuid,
        member: Uuid,
        added: bool,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SavedSecret {
    pub(crate) key_id: String,
    pub(crate) value: String,
    pub(crate) expires: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SavedApp {
    pub(crate) client_id: String,
    pub(crate) display_name: String,
    pub(crate) service_principal_id: Option<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) consented: bool,
    pub(crate) secrets: Vec<SavedSecret>,
    /// Whether the app's certificate (app-cert.pem) is registered on it.
    pub(crate) has_certificate: bool,
    /// Absent in state files written before federated credentials existed: the
    /// defaults apply then.
    #[serde(default)]
    pub(crate) federated_credentials: Option<Vec<FederatedCredential>>,
    /// Absent in state files written before redirect URIs existed: the default applies.
    #[serde(default)]
    pub(crate) redirect_uris: Option<Vec<String>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub(crate) version: u32,
    pub(crate) tenant: Tenant,
    pub(crate) apps: Vec<SavedApp>,
    pub(crate) sync_epoch: String,
    pub(crate) users: UsersBase,
    pub(crate) journal: Vec<JournalEntry>,
    /// Users' directory roles; absent in state files written before roles existed.
    #[serde(default)]
    pub(crate) directory_roles: Option<super::roles::Roles>,
}

impl Saved {
    pub(crate) fn new(
        tenant: Tenant,
        apps: Vec<SavedApp>,
        sync_epoch: String,
        users: UsersBase,
        journal: Vec<JournalEntry>,
        directory_roles: super::roles::Roles,
    ) -> Saved {
        Saved {
            version: VERSION,
            tenant,
            apps,
            sync_epoch,
            users,
            journal,
            directory_roles: Some(directory_roles),
        }
    }
}

pub(crate) fn load(path: &Path) -> Result<Option<Saved>> {
    let Some(bytes) = read_optional(path)? else {
        return Ok(None);
    };
    let saved: Saved = serde_json::from_slice(&bytes).map_err(|source| Error::StateJson {
        path: path.to_path_buf(),
        source,
    })?;
    if saved.version != VERSION {
        return Err(Error::InvalidState {
            path: path.to_path_buf(),
            reason: format!("unsupported version {} (expected {VERSION})", saved.version),
        });
    }
    Ok(Some(saved))
}

pub(crate) fn save(path: &Path, saved: &Saved) -> Result<()> {
    let json = serde_json::to_vec_pretty(saved).map_err(|source| Error::StateJson {
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, &json, true)
}

/// Users from a JSON file: an array of users, or a Graph answer `{"value":[...]}`.
pub(crate) fn load_users_file(path: &Path) -> Result<Vec<User>> {
    let invalid = |reason: String| Error::InvalidState {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|source| Error::StateJson {
            path: path.to_path_buf(),
            source,
        })?;
    let list = match value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(mut map) => match map.remove("value") {
            Some(serde_json::Value::Array(list)) => list,
            _ => {
                return Err(invalid(
                    "expected an array of users or {\"value\": [...]}".into(),
                ));
            }
        },
        _ => return Err(invalid("expected an array of users".into())),
    };
    let mut users = Vec::with_capacity(list.len());
    for (i, item) in list.into_iter().enumerate() {
        let mut user: User = serde_json::from_value(item).map_err(|source| Error::UserJson {
            path: path.to_path_buf(),
            index: i,
            source,
        })?;
        if user.id.is_nil() {
            // Derived from the UPN so that the journal still applies after a restart.
            let digest = sha2::Sha256::digest(user.user_principal_name.to_lowercase().as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            user.id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        }
        user.validate()
            .map_err(|e| invalid(format!("user #{i}: {e}")))?;
        users.push(user);
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    fn load_text(text: &str) -> Error {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        std::fs::write(&path, text).unwrap();
        load_users_file(&path).unwrap_err()
    }

    #[test]
    fn a_users_file_that_is_not_json_keeps_the_parser_error() {
        let e = load_text("not json");
        assert!(matches!(e, Error::StateJson { .. }), "{e:?}");
        assert!(e.source().is_some_and(|c| c.is::<serde_json::Error>()));
    }

    #[test]
    fn a_user_that_is_not_a_user_is_named_by_position() {
        let e = load_text(r#"[{"nope": 1}]"#);
        assert!(e.to_string().ends_with("users.json: user #0"), "{e}");
        assert!(e.source().is_some_and(|c| c.is::<serde_json::Error>()));
    }
}
