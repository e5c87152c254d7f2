//! Why a change to the directory (a user, a group, a membership) was refused.

/// Why a user change was refused.
#[derive(Debug)]
pub(crate) enum ChangeError {
    NotFound,
    Invalid(String),
}
