//! CSRF: every form carries its session's token in a hidden `csrf` field; a POST
//! whose field does not match the session of its cookie changes nothing.

use super::session::Session;

/// Whether a form's `csrf` field is its session's token (compared in constant time).
pub(crate) fn valid(session: &Session, given: Option<&str>) -> bool {
    given.is_some_and(|given| crate::admin_token::matches(&session.csrf, given))
}
