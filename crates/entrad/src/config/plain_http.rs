//! Refusing `http://` URLs that would carry a secret or the access token in
//! clear (the authority, the Graph URL, `endpoint`), unless they are a
//! loopback test server the user opted in for.

use entrad_auth::is_loopback;
use url::Url;

use crate::error::Error;

/// Ok for https, and for http to a loopback host (127.0.0.0/8, `::1`,
/// `localhost`) with `--allow-insecure-loopback`; `source` names the setting
/// (e.g. "--graph-url") in the message.
pub fn check(url: &Url, source: &str, allow_insecure_loopback: bool) -> Result<(), Error> {
    if url.scheme() != "http" {
        return Ok(());
    }
    let loopback = is_loopback(url);
    if loopback && allow_insecure_loopback {
        return Ok(());
    }
    let fix = if loopback {
        "use https, or pass --allow-insecure-loopback for a local test server"
    } else {
        "use https (plain http is only possible for a loopback test server)"
    };
    Err(Error::Config(format!(
        "{source} `{}` uses http://, which would send credentials unencrypted: {fix}",
        url.as_str().escape_debug()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(url: &str, allow: bool) -> Result<(), String> {
        check(&Url::parse(url).unwrap(), "--graph-url", allow).map_err(|e| e.to_string())
    }

    #[test]
    fn http_only_for_loopback_with_the_flag() {
        assert!(checked("https://graph.microsoft.com/", false).is_ok());
        for url in [
            "http://127.0.0.1:8080/",
            "http://127.9.9.9/",
            "http://[::1]:80/",
            "http://localhost:1/",
        ] {
            assert!(checked(url, true).is_ok(), "{url}");
            let err = checked(url, false).unwrap_err();
            assert!(err.contains("--allow-insecure-loopback"), "{err}");
            assert!(err.starts_with("--graph-url `http://"), "{err}");
        }
        let err = checked("http://graph.microsoft.com/", true).unwrap_err();
        assert_eq!(
            err,
            "--graph-url `http://graph.microsoft.com/` uses http://, which would send credentials unencrypted: use https (plain http is only possible for a loopback test server)"
        );
    }
}
