//! What is mirrored: users, groups (with their members).

use std::fmt;

/// A directory collection that has delta rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `/v1.0/users/delta`, into the `users` table.
    Users,
    /// `/v1.0/groups/delta`, into `groups`, its `members@delta` into `memberships`.
    Groups,
}

impl Kind {
    /// The name used in the state table and in messages (`users`, `groups`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Groups => "groups",
        }
    }

    /// The delta path under the Graph base URL.
    pub(crate) fn delta_path(self) -> &'static str {
        match self {
            Kind::Users => "v1.0/users/delta",
            Kind::Groups => "v1.0/groups/delta",
        }
    }

    /// The table its objects go to (a constant: safe in SQL text).
    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Groups => "groups",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
