//! What Graph's 403s say about permissions: the ones an API requires, when its
//! message names them, and the application permissions a token carries.
//!
//! Some Graph workloads (Teams, chats, …) answer `403 Forbidden` "Missing role
//! permissions on the request. API requires one of 'A, B'. Roles on the request
//! 'C'." (for delegated tokens "Missing scope permissions …"); the directory
//! (users, groups) answers `Authorization_RequestDenied` "Insufficient privileges
//! to complete the operation.", which names none.

use entrad_auth::AccessToken;
use serde_json::Value;

/// The quoted list after `API requires one of`, split at commas; empty when the
/// message has none.
pub(crate) fn required(message: &str) -> Vec<String> {
    const LEAD: &str = "requires one of '";
    let Some(start) = message.find(LEAD).map(|at| at + LEAD.len()) else {
        return Vec::new();
    };
    let Some(len) = message[start..].find('\'') else {
        return Vec::new();
    };
    message[start..start + len]
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `roles` claim of `token` (names only; an empty list when it has none),
/// or `None` when the token is not a JWT this client can read.
pub(crate) fn token_roles(token: &AccessToken) -> Option<Vec<String>> {
    let claims = token.claims().ok()?;
    let claims = claims.as_object()?;
    Some(
        claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_list_is_read_from_either_wording() {
        assert_eq!(
            required(
                "Missing role permissions on the request. API requires one of 'User.Read.All, User.ReadWrite.All'. Roles on the request 'Group.Read.All'."
            ),
            ["User.Read.All", "User.ReadWrite.All"]
        );
        assert_eq!(
            required(
                "Missing scope permissions on the request. API requires one of 'ChannelMessage.Read.All'"
            ),
            ["ChannelMessage.Read.All"]
        );
        assert_eq!(
            required("Missing role permissions on the request. API requires one of 'A,B , ,C'."),
            ["A", "B", "C"]
        );
    }

    #[test]
    fn messages_naming_none_give_none() {
        for message in [
            "Insufficient privileges to complete the operation.",
            "Missing role permissions on the request.",
            "API requires one of 'unterminated",
            "API requires one of ''.",
            "",
        ] {
            assert!(required(message).is_empty(), "{message}");
        }
    }
}
