//! What a Graph write asks for, the permissions that allow it, and the change: one
//! description that the top-level handlers and `$batch` both apply.

use super::reply::{GraphCtx, Reply};
use super::{group_writes, user_writes};
use crate::route::Route;
use crate::state::Directory;

/// A directory write Graph serves (method and path).
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// `POST /users`.
    CreateUser,
    /// `PATCH /users/{id|upn}`.
    UpdateUser(String),
    /// `DELETE /users/{id|upn}`.
    DeleteUser(String),
    /// `POST /groups`.
    CreateGroup,
    /// `PATCH /groups/{id}`.
    UpdateGroup(String),
    /// `DELETE /groups/{id}`.
    DeleteGroup(String),
    /// `POST /groups/{id}/members/$ref`.
    AddMember(String),
    /// `DELETE /groups/{id}/members/{member id}/$ref`.
    RemoveMember(String, String),
}

impl Write {
    /// The route it is counted, throttled and faulted under (as its URL's route).
    pub(crate) fn route(&self) -> Route {
        match self {
            Write::CreateUser => Route::Users,
            Write::UpdateUser(_) | Write::DeleteUser(_) => Route::User,
            Write::CreateGroup => Route::Groups,
            Write::UpdateGroup(_) | Write::DeleteGroup(_) => Route::Group,
            Write::AddMember(_) | Write::RemoveMember(..) => Route::GroupMembers,
        }
    }

    /// The application permissions that allow it (any one of them).
    pub(crate) fn roles(&self) -> &'static [&'static str] {
        match self {
            Write::CreateUser | Write::UpdateUser(_) | Write::DeleteUser(_) => {
                &user_writes::USER_WRITE_ROLES
            }
            Write::CreateGroup | Write::UpdateGroup(_) | Write::DeleteGroup(_) => {
                &group_writes::GROUP_WRITE_ROLES
            }
            Write::AddMember(_) | Write::RemoveMember(..) => &group_writes::MEMBER_WRITE_ROLES,
        }
    }

    /// Applies the write of an authorized caller to its tenant's directory.
    pub(crate) fn apply(&self, directory: &mut Directory, ctx: &GraphCtx, body: &[u8]) -> Reply {
        match self {
            Write::CreateUser => user_writes::create(directory, ctx, body),
            Write::UpdateUser(key) => user_writes::update(directory, ctx, key, body),
            Write::DeleteUser(key) => user_writes::delete(directory, ctx, key),
            Write::CreateGroup => group_writes::create(directory, ctx, body),
            Write::UpdateGroup(key) => group_writes::update(directory, ctx, key, body),
            Write::DeleteGroup(key) => group_writes::delete(directory, ctx, key),
            Write::AddMember(group) => group_writes::add_member(directory, ctx, group, body),
            Write::RemoveMember(group, member) => {
                group_writes::remove_member(directory, ctx, group, member)
            }
        }
    }
}
