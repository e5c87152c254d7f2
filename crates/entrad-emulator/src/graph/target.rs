//! What a Graph GET asks for, the permissions that allow it, and the answer.

use super::reply::{GraphCtx, Reply};
use super::{auth, delta, groups, groups_delta, user, users};
use crate::directories::Directories;
use crate::route::Route;

/// What a Graph GET asks for.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Users,
    Count,
    User(String),
    Delta,
    Groups,
    Group(String),
    GroupMembers(String),
    GroupsDelta,
}

impl Target {
    pub(crate) fn route(&self) -> Route {
        match self {
            Target::Users | Target::Count => Route::Users,
            Target::User(_) => Route::User,
            Target::Delta => Route::UsersDelta,
            Target::Groups => Route::Groups,
            Target::Group(_) => Route::Group,
            Target::GroupMembers(_) => Route::GroupMembers,
            Target::GroupsDelta => Route::GroupsDelta,
        }
    }

    /// The application permissions that allow this read (any one of them).
    pub(crate) fn roles(&self) -> &'static [&'static str] {
        match self {
            Target::Users | Target::Count | Target::User(_) | Target::Delta => &auth::USER_ROLES,
            Target::Groups | Target::Group(_) | Target::GroupMembers(_) | Target::GroupsDelta => {
                &auth::GROUP_ROLES
            }
        }
    }
}

/// Answers an authorized GET.
pub(crate) fn run(
    directories: &Directories,
    ctx: &GraphCtx,
    target: &Target,
    query: Option<&str>,
) -> Reply {
    match target {
        Target::Users => users::list(directories, ctx, query),
        Target::Count => users::count(directories, ctx, query),
        Target::User(key) => user::get(directories, ctx, key, query),
        Target::Delta => delta::delta(directories, ctx, query),
        Target::Groups => groups::list(directories, ctx, query),
        Target::Group(key) => groups::get(directories, ctx, key, query),
        Target::GroupMembers(key) => groups::members(directories, ctx, key, query),
        Target::GroupsDelta => groups_delta::delta(directories, ctx, query),
    }
}
