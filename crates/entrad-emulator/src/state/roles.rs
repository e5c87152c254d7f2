//! Directory roles held by users: who may grant admin consent.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::store::UserStore;

/// The role given to a few generated users, so that consent can be walked at once.
pub const GLOBAL_ADMINISTRATOR: &str = "Global Administrator";

/// Roles that may grant tenant-wide consent to Microsoft Graph application permissions.
const CONSENTING_ROLES: [&str; 2] = [GLOBAL_ADMINISTRATOR, "Privileged Role Administrator"];

/// How many users (the first by id) are Global Administrators in a fresh directory.
const INITIAL_ADMINS: usize = 2;

/// Each user's directory roles; users without roles are absent.
pub(crate) type Roles = BTreeMap<Uuid, Vec<String>>;

/// The roles of a fresh directory: its first users (by id) are Global Administrators.
pub(crate) fn initial(users: &UserStore) -> Roles {
    users
        .all()
        .iter()
        .take(INITIAL_ADMINS)
        .map(|u| (u.id, vec![GLOBAL_ADMINISTRATOR.to_string()]))
        .collect()
}

/// Whether any of `roles` may grant admin consent.
pub(crate) fn can_consent(roles: &[String]) -> bool {
    roles.iter().any(|r| CONSENTING_ROLES.contains(&r.as_str()))
}
