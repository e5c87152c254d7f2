//! An entrad-auth error as the message of the setting it is about.

/// An entrad-auth configuration message (with its causes) without its
/// "configuration error:" prefix, to follow the name of the setting it is about.
pub fn auth_message(e: entrad_auth::Error) -> String {
    let line = crate::report::chain(&e);
    match line.strip_prefix("configuration error: ") {
        Some(rest) => rest.to_owned(),
        None => line,
    }
}
