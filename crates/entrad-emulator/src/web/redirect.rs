//! Which redirect URIs an app may be sent back to, as Entra matches them: exactly as
//! registered, except that the port of a loopback URI (`http://localhost`,
//! `http://127.0.0.1`) is not compared.

use url::Url;

/// Whether `requested` matches one of `registered`.
pub(crate) fn allowed(registered: &[String], requested: &Url) -> bool {
    registered.iter().any(|r| matches(r, requested))
}

fn matches(registered: &str, requested: &Url) -> bool {
    let Ok(registered) = Url::parse(registered) else {
        return false;
    };
    if registered == *requested {
        return true;
    }
    let loopback = |u: &Url| {
        u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    };
    if !(loopback(&registered) && loopback(requested)) {
        return false;
    }
    registered.host_str() == requested.host_str()
        && registered.path() == requested.path()
        && registered.query() == requested.query()
}

/// `scheme://host[:port]` of a URL, for the page's `form-action`.
pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_ports_are_ignored_and_everything_else_is_exact() {
        let registered = vec!["http://localhost/admin-consent".to_string()];
        let ok = |u: &str| allowed(&registered, &Url::parse(u).unwrap());
        assert!(ok("http://localhost/admin-consent"));
        assert!(ok("http://localhost:53211/admin-consent"));
        assert!(!ok("http://localhost:53211/admin-consent/"));
        assert!(!ok("https://localhost/admin-consent"));
        assert!(!ok("http://127.0.0.1/admin-consent"));
        assert!(!ok("https://evil.example/admin-consent"));
    }
}
