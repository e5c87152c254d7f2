//! What every request must pass before any route: a GET without a body, no
//! `X-Forwarded-For` (IMDS refuses proxied requests too), no `Origin` (a
//! browser page must not get tokens), a loopback `Host` (a page whose name
//! was rebound to 127.0.0.1 sends its own name), a bounded URI.

use hyper::header::{CONTENT_LENGTH, HOST, ORIGIN, TRANSFER_ENCODING};
use hyper::{Method, Request, StatusCode};

/// The longest request target accepted (path and query).
pub const MAX_URI_BYTES: usize = 4096;
/// The largest header block accepted, in bytes (hyper's read buffer).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A request refused before it reached a route.
#[derive(Debug)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// The metric label (`forwarded`, `origin`, ...).
    pub reason: &'static str,
    /// The one-line message for the caller.
    pub message: String,
}

impl Refusal {
    /// A refusal with its status, metric label and message.
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason,
            message: message.into(),
        }
    }
}

/// Checks what every route requires.
pub fn check<B>(request: &Request<B>) -> Result<(), Refusal> {
    let headers = request.headers();
    if headers.contains_key("x-forwarded-for") {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "forwarded",
            "requests with X-Forwarded-For are refused: local processes call the broker directly, never through a proxy",
        ));
    }
    if headers.contains_key(ORIGIN) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "origin",
            "requests from browsers (with an Origin header) are refused",
        ));
    }
    if headers
        .get_all(HOST)
        .iter()
        .any(|host| !loopback_host(host.as_bytes()))
    {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "host",
            "the Host header must name this machine (127.0.0.1, [::1] or localhost)",
        ));
    }
    if request.method() != Method::GET {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
            format!("method {} is not allowed: use GET", request.method()),
        ));
    }
    let has_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0");
    if has_body {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
            "a token request has no body: send the parameters in the query",
        ));
    }
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Err(Refusal::new(
            StatusCode::URI_TOO_LONG,
            "size",
            format!("the request target is {target} bytes; at most {MAX_URI_BYTES} are accepted"),
        ));
    }
    Ok(())
}

/// Whether a `Host` header names a loopback host (with or without a port).
fn loopback_host(host: &[u8]) -> bool {
    std::str::from_utf8(host)
        .ok()
        .and_then(|host| url::Url::parse(&format!("http://{host}/")).ok())
        .is_some_and(|url| entrad_auth::is_loopback(&url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> hyper::http::request::Builder {
        Request::get(uri)
    }

    #[test]
    fn refuses_proxies_browsers_bodies_and_long_targets() {
        let reason = |request: Request<()>| check(&request).map_err(|r| r.reason);
        assert_eq!(reason(get("/msi/token").body(()).unwrap()), Ok(()));
        assert_eq!(
            reason(
                get("/")
                    .header("X-Forwarded-For", "1.2.3.4")
                    .body(())
                    .unwrap()
            ),
            Err("forwarded")
        );
        assert_eq!(
            reason(
                get("/")
                    .header("Origin", "https://a.example")
                    .body(())
                    .unwrap()
            ),
            Err("origin")
        );
        assert_eq!(reason(Request::post("/").body(()).unwrap()), Err("method"));
        assert_eq!(
            reason(get("/").header("Content-Length", "5").body(()).unwrap()),
            Err("body")
        );
        for host in ["127.0.0.1:8080", "localhost", "[::1]:1", "127.1.2.3"] {
            assert_eq!(
                reason(get("/").header("Host", host).body(()).unwrap()),
                Ok(()),
                "{host}"
            );
        }
        for host in [
            "evil.example",
            "evil.example:80",
            "10.0.0.1",
            "127.0.0.1@evil",
            "",
        ] {
            assert_eq!(
                reason(get("/").header("Host", host).body(()).unwrap()),
                Err("host"),
                "{host}"
            );
        }
        let long = format!("/msi/token?resource={}", "a".repeat(MAX_URI_BYTES));
        assert_eq!(reason(get(&long).body(()).unwrap()), Err("size"));
    }
}
