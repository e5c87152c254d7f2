//! What a tenant's users and groups are before any change: generated from the seed,
//! or read from `--users-file` (which has no groups).

use super::generate;
use super::group::Group;
use super::group_generate::generate_groups;
use super::persist::{self, UsersBase};
use super::store::UserStore;
use super::tenant::Tenant;
use super::user::User;
use crate::error::Result;

pub(super) fn initial_users(base: &UsersBase, domain: &str) -> Result<Vec<User>> {
    match base {
        UsersBase::Generated { count, seed } => Ok(generate::generate(*count, *seed, domain)),
        UsersBase::File { path } => persist::load_users_file(path),
    }
}

/// The groups of generated users; none for users read from a file.
pub(super) fn initial_groups(base: &UsersBase, users: &UserStore, tenant: &Tenant) -> Vec<Group> {
    match base {
        UsersBase::Generated { seed, .. } => generate_groups(users.all(), *seed, &tenant.domain),
        UsersBase::File { .. } => Vec::new(),
    }
}
