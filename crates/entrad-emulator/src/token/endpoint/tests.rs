use super::*;

#[test]
fn scope_rules() {
    assert!(check_scope("https://graph.microsoft.com/.default", "t").is_ok());
    assert!(check_scope("https://graph.microsoft.com//.default", "t").is_ok());
    assert!(check_scope("00000003-0000-0000-c000-000000000000/.default", "t").is_ok());
    let code = |s: &str| format!("{:?}", check_scope(s, "t").unwrap_err());
    assert!(code("User.Read.All").contains("1002012"));
    assert!(code("openid").contains("1002012"));
    assert!(
        code("https://graph.microsoft.com/.default https://other.example/.default")
            .contains("70011")
    );
    assert!(code("https://other.example/.default").contains("500011"));
}

#[test]
fn basic_credentials_are_url_decoded() {
    let mut headers = HeaderMap::new();
    let value = format!("Basic {}", STANDARD.encode("app%3A1:s%2Bx~"));
    headers.insert(header::AUTHORIZATION, value.parse().unwrap());
    let (id, secret) = basic_credentials(&headers).unwrap();
    assert_eq!(id, "app:1");
    assert_eq!(secret.expose_secret(), "s+x~");
}
