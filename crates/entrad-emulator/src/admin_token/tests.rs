use super::*;

#[test]
fn a_token_is_64_hex_characters_and_differs_each_time() {
    let (a, b) = (generate(), generate());
    assert_eq!(a.len(), TOKEN_LEN);
    assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a, b);
}

#[test]
fn matching_needs_the_same_length_and_bytes() {
    assert!(matches("abcd", "abcd"));
    assert!(!matches("abcd", "abce"));
    assert!(!matches("abcd", "abc"));
    assert!(!matches("abcd", ""));
}

#[test]
fn a_stored_token_is_reused_unless_fresh_is_asked() {
    let root = tempfile::tempdir().unwrap();
    let dir = StateDir::create(root.path()).unwrap();
    let first = load_or_create(&dir, false).unwrap().0;
    assert_eq!(load_or_create(&dir, false).unwrap().0, first);
    assert_ne!(load_or_create(&dir, true).unwrap().0, first);
}

#[test]
fn a_damaged_file_is_replaced() {
    let root = tempfile::tempdir().unwrap();
    let dir = StateDir::create(root.path()).unwrap();
    std::fs::write(dir.file(names::ADMIN_TOKEN), "not a token").unwrap();
    let token = load_or_create(&dir, false).unwrap();
    assert_eq!(token.0.len(), TOKEN_LEN);
    assert!(!format!("{token:?}").contains(&token.0));
}

#[cfg(unix)]
#[test]
fn the_file_is_owner_only_even_if_it_was_not() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = StateDir::create(root.path()).unwrap();
    let path = dir.file(names::ADMIN_TOKEN);
    load_or_create(&dir, false).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    load_or_create(&dir, false).unwrap();
    assert_eq!(mode(&path), 0o600);
}
