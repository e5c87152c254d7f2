//! Where the bearer token may go: https, and only to allowed origins.
//!
//! An app token can read the whole directory, so a URL that came from a
//! response (an `@odata.nextLink`) or from a user is never trusted with it
//! by itself. The model is Kiota's `AllowedHostsValidator`, which the Graph
//! SDKs configure with the Graph hosts of the public and national clouds;
//! here the unit is the origin (scheme, host and port), so a Graph host on
//! another port or over plain http is not the Graph host.

use entrad_auth::is_loopback;
use url::{Host, Origin, Url};

use crate::error::{Error, Result};

/// The Graph hosts the Graph SDKs allow (Kiota's default list), served on 443.
/// Germany's `graph.microsoft.de` is left out: that cloud closed in 2021.
const GRAPH_CLOUD_HOSTS: [&str; 5] = [
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
    "canary.graph.microsoft.com",
];

/// The origins a [`GraphClient`](crate::GraphClient) sends its token to.
#[derive(Debug, Clone)]
pub(crate) struct AllowedOrigins {
    origins: Vec<Origin>,
    allow_insecure_loopback: bool,
}

/// A URL that passed [`AllowedOrigins::check`]: the only kind of URL a
/// request with the token can be sent to (its field is private to this module).
pub(crate) struct Checked<'a>(&'a Url);

impl Checked<'_> {
    /// The URL.
    pub(crate) fn url(&self) -> &Url {
        self.0
    }
}

impl AllowedOrigins {
    /// The Graph clouds' origins, and the origins of `extra` (the base URL and
    /// any the user configured). `http` origins among `extra` only work with
    /// `allow_insecure_loopback` and a loopback host: [`check`](Self::check) says so.
    pub(crate) fn new<'a>(
        extra: impl IntoIterator<Item = &'a Url>,
        allow_insecure_loopback: bool,
    ) -> AllowedOrigins {
        let mut origins: Vec<Origin> = GRAPH_CLOUD_HOSTS
            .iter()
            .map(|host| Origin::Tuple("https".to_owned(), Host::Domain((*host).to_owned()), 443))
            .collect();
        for url in extra {
            let origin = url.origin();
            if origin.is_tuple() && !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        AllowedOrigins {
            origins,
            allow_insecure_loopback,
        }
    }

    /// `url` if the token may be sent there: https (or http to a loopback host,
    /// when allowed) and an allowed origin.
    pub(crate) fn check<'a>(&self, url: &'a Url) -> Result<Checked<'a>> {
        let origin = url.origin();
        let insecure = || Error::InsecureUrl {
            origin: display(url),
            loopback: is_loopback(url),
        };
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_loopback && is_loopback(url) => {}
            _ => return Err(insecure()),
        }
        if !self.origins.contains(&origin) {
            return Err(Error::OriginNotAllowed {
                origin: display(url),
            });
        }
        Ok(Checked(url))
    }
}

/// The origin of `url` as `scheme://host[:port]`, for messages.
pub(crate) fn display(url: &Url) -> String {
    match url.origin() {
        origin @ Origin::Tuple(..) => origin.ascii_serialization(),
        // Opaque origins serialise as `null`: say what the URL was instead.
        Origin::Opaque(_) => format!("{}:", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn allows(origins: &AllowedOrigins, s: &str) -> bool {
        origins.check(&url(s)).is_ok()
    }

    #[test]
    fn graph_clouds_over_https_only() {
        let origins = AllowedOrigins::new([], false);
        for host in GRAPH_CLOUD_HOSTS {
            assert!(
                allows(&origins, &format!("https://{host}/v1.0/users")),
                "{host}"
            );
            assert!(
                allows(&origins, &format!("https://{host}:443/v1.0/users")),
                "{host}"
            );
            assert!(
                !allows(&origins, &format!("http://{host}/v1.0/users")),
                "{host}"
            );
            assert!(
                !allows(&origins, &format!("https://{host}:8443/v1.0/users")),
                "{host}"
            );
        }
        assert!(allows(&origins, "https://GRAPH.microsoft.com/v1.0/users"));
        for other in [
            "https://graph.microsoft.com.evil.example/v1.0/users",
            "https://evil.example/v1.0/users",
            "https://graph.microsoft.de/v1.0/users",
            "ftp://graph.microsoft.com/v1.0/users",
        ] {
            assert!(!allows(&origins, other), "{other}");
        }
    }

    #[test]
    fn configured_origins_are_added() {
        let base = url("https://127.0.0.1:8443/");
        let origins = AllowedOrigins::new([&base], false);
        assert!(allows(&origins, "https://127.0.0.1:8443/v1.0/users"));
        assert!(!allows(&origins, "https://127.0.0.1:8444/v1.0/users"));
        assert!(!allows(&origins, "https://localhost:8443/v1.0/users"));
        let err = origins
            .check(&url("https://evil.example/x?y"))
            .err()
            .unwrap();
        assert!(
            matches!(&err, Error::OriginNotAllowed { origin } if origin == "https://evil.example")
        );
    }

    #[test]
    fn plain_http_needs_the_opt_in_and_a_loopback_host() {
        let bases = [
            url("http://127.0.0.1:8080/"),
            url("http://127.1.2.3:8080/"),
            url("http://[::1]:8080/"),
            url("http://localhost:8080/"),
            url("http://192.168.1.2:8080/"),
        ];
        let refused = AllowedOrigins::new(&bases, false);
        let allowed = AllowedOrigins::new(&bases, true);
        for base in &bases[..4] {
            let err = refused.check(base).err().unwrap();
            assert!(
                matches!(err, Error::InsecureUrl { loopback: true, .. }),
                "{base}"
            );
            assert!(allowed.check(base).is_ok(), "{base}");
        }
        let err = allowed.check(&bases[4]).err().unwrap();
        assert!(
            matches!(&err, Error::InsecureUrl { origin, loopback: false } if origin == "http://192.168.1.2:8080"),
            "{err}"
        );
        // The opt-in is for configured loopback origins, not any loopback port.
        assert!(!allows(&allowed, "http://127.0.0.1:9999/"));
    }
}
