//! Where tokens come from: an Entra authority (`https://host/{tenant}`) or a
//! generic OIDC issuer.

use std::fmt;
use std::net::IpAddr;

use url::Url;

use crate::{Error, Result};

/// Microsoft hosts that are Entra instances: no instance discovery is needed.
const KNOWN_ENTRA_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login-us.microsoftonline.com",
    "login.windows.net",
    "login.microsoft.com",
    "sts.windows.net",
];

/// Tenants that name a class of accounts, not a tenant: the client-credentials
/// flow has no user to pick the tenant, so the token service refuses them.
const MULTI_TENANT_ALIASES: &[&str] = &["common", "organizations", "consumers"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Flavor {
    /// `https://host/{tenant}`: metadata at `{authority}/v2.0/.well-known/openid-configuration`.
    Entra { tenant: String },
    /// A generic issuer: metadata at `{issuer}/.well-known/openid-configuration`.
    Oidc,
}

/// A token authority. Parse one with [`Authority::parse`] (Entra ID, sovereign
/// clouds, the emulator) or [`Authority::oidc`] (any OpenID Connect issuer).
///
/// ```
/// use entrad_auth::Authority;
///
/// let authority = Authority::parse("https://login.microsoftonline.com/contoso.onmicrosoft.com/")?;
/// assert_eq!(authority.url().as_str(), "https://login.microsoftonline.com/contoso.onmicrosoft.com");
/// assert_eq!(authority.tenant(), Some("contoso.onmicrosoft.com"));
///
/// let err = Authority::parse("https://login.microsoftonline.com/common").unwrap_err();
/// assert!(err.to_string().contains("tenant id"));
/// # Ok::<(), entrad_auth::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Authority {
    url: Url,
    host: String,
    flavor: Flavor,
}

impl Authority {
    /// `https://login.microsoftonline.com/{tenant}` (GUID or domain), sovereign
    /// clouds, or any https host (e.g. the emulator `https://127.0.0.1:8443/{tenant}`).
    ///
    /// Rejects `common`/`organizations`/`consumers` (client credentials need a
    /// tenant), `http://` except for a loopback host (which the client builder
    /// then only accepts with `allow_insecure_loopback(true)`), and anything
    /// that is not `scheme://host/{tenant}`.
    pub fn parse(url: &str) -> Result<Authority> {
        let parsed = parse_base(url)?;
        let segments: Vec<&str> = parsed
            .path_segments()
            .map(|s| s.filter(|seg| !seg.is_empty()).collect())
            .unwrap_or_default();
        let tenant = match segments.as_slice() {
            [tenant] => tenant.to_string(),
            [] => {
                return Err(Error::Authority(format!(
                    "{} has no tenant: use https://{}/{{tenant id}}",
                    parsed,
                    host_port(&parsed)
                )));
            }
            _ => {
                return Err(Error::Authority(format!(
                    "{parsed} is not of the form https://host/{{tenant}}; for another OpenID Connect issuer use Authority::oidc"
                )));
            }
        };
        if MULTI_TENANT_ALIASES
            .iter()
            .any(|alias| alias.eq_ignore_ascii_case(&tenant))
        {
            return Err(Error::Authority(format!(
                "/{tenant} does not work for client credentials (an app token needs one tenant): use the tenant id (a GUID) or a domain such as contoso.onmicrosoft.com instead of {tenant}"
            )));
        }
        if !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            return Err(Error::Authority(format!(
                "{tenant:?} is not a tenant id or domain"
            )));
        }
        let host = host_port(&parsed);
        let mut canonical = parsed;
        canonical.set_path(&tenant);
        Ok(Authority {
            url: canonical,
            host,
            flavor: Flavor::Entra { tenant },
        })
    }

    /// A generic OIDC issuer (metadata at `{issuer}/.well-known/openid-configuration`,
    /// token endpoint taken from it).
    pub fn oidc(issuer: &str) -> Result<Authority> {
        let mut parsed = parse_base(issuer)?;
        let trimmed = parsed.path().trim_end_matches('/').to_string();
        parsed.set_path(&trimmed);
        Ok(Authority {
            host: host_port(&parsed),
            url: parsed,
            flavor: Flavor::Oidc,
        })
    }

    /// The canonical URL, without a trailing slash (except for an issuer that is a bare host).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `host[:port]`, lower-case. (The MSAL cache `environment` is the host
    /// without the port: see [`crate::CacheKey`].)
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The tenant as configured (GUID or domain); `None` for a generic OIDC issuer.
    pub fn tenant(&self) -> Option<&str> {
        match &self.flavor {
            Flavor::Entra { tenant } => Some(tenant),
            Flavor::Oidc => None,
        }
    }

    /// `{authority}/adminconsent?client_id={client_id}`: where a global admin
    /// grants the app's application permissions.
    pub fn admin_consent_url(&self, client_id: &str) -> Url {
        let mut url = self.joined("adminconsent");
        url.query_pairs_mut().append_pair("client_id", client_id);
        url
    }

    /// Where the OpenID Connect metadata lives.
    pub(crate) fn metadata_url(&self) -> Url {
        match self.flavor {
            Flavor::Entra { .. } => self.joined("v2.0/.well-known/openid-configuration"),
            Flavor::Oidc => self.joined(".well-known/openid-configuration"),
        }
    }

    /// Instance discovery applies to Entra authorities on hosts that are not
    /// known Microsoft instances. It is asked of the authority's own host, never
    /// of a third party: a genuine Entra instance (and the emulator) serves
    /// `/common/discovery/instance`, and no request leaves for a host the caller
    /// did not name.
    pub(crate) fn instance_discovery_url(&self) -> Option<Url> {
        let Flavor::Entra { tenant } = &self.flavor else {
            return None;
        };
        let bare_host = self.url.host_str().unwrap_or_default();
        if KNOWN_ENTRA_HOSTS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(bare_host))
        {
            return None;
        }
        let mut url = self.url.clone();
        url.set_path("common/discovery/instance");
        let authorize = format!(
            "{}://{}/{tenant}/oauth2/v2.0/authorize",
            self.url.scheme(),
            self.host
        );
        url.query_pairs_mut()
            .append_pair("api-version", "1.1")
            .append_pair("authorization_endpoint", &authorize);
        Some(url)
    }

    /// The MSAL cache `realm`: the tenant as configured, or for an OIDC issuer
    /// its path, so that two issuers on one host do not share tokens.
    pub(crate) fn realm(&self) -> &str {
        match &self.flavor {
            Flavor::Entra { tenant } => tenant,
            Flavor::Oidc => self.url.path().trim_matches('/'),
        }
    }

    /// True when the authority is plain `http://` (only ever a loopback host).
    pub(crate) fn is_insecure(&self) -> bool {
        self.url.scheme() == "http"
    }

    fn joined(&self, tail: &str) -> Url {
        let mut url = self.url.clone();
        let path = format!("{}/{tail}", self.url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }
}

impl fmt::Debug for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authority")
            .field(&self.url.as_str())
            .finish()
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

impl std::str::FromStr for Authority {
    type Err = Error;

    fn from_str(s: &str) -> Result<Authority> {
        Authority::parse(s)
    }
}

/// True when `url`'s host is `localhost`, in 127.0.0.0/8, or `::1`: the hosts
/// that `allow_insecure_loopback` lets a client reach over plain http, here
/// and in entrad-graph.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The longest authority URL accepted, in bytes. An Entra authority is a
/// host (a DNS name is at most 253 characters) and a tenant (a GUID, or a
/// domain of at most 253); an OIDC issuer adds a short path. Anything longer
/// is a mistake in the configuration, refused before it is sent anywhere
/// (and before a message quotes it).
pub(crate) const MAX_AUTHORITY_LEN: usize = 2048;

/// The longest DNS name, and label within it (RFC 1035).
const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// Scheme and host checks shared by both constructors.
fn parse_base(input: &str) -> Result<Url> {
    let input = input.trim();
    if input.len() > MAX_AUTHORITY_LEN {
        return Err(Error::Authority(format!(
            "the URL is {} bytes long; an authority (https://host/{{tenant}}) is at most {MAX_AUTHORITY_LEN}",
            input.len()
        )));
    }
    let url = Url::parse(input).map_err(|source| Error::AuthorityUrl {
        input: input.to_owned(),
        source,
    })?;
    match url.host() {
        None => return Err(Error::Authority(format!("{input:?} has no host"))),
        Some(url::Host::Domain(name))
            if name.len() > MAX_HOST_LEN
                || name.split('.').any(|label| label.len() > MAX_LABEL_LEN) =>
        {
            return Err(Error::Authority(format!(
                "{input:?}: the host is not a DNS name (at most {MAX_HOST_LEN} characters, {MAX_LABEL_LEN} between dots)"
            )));
        }
        Some(_) => {}
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Authority(format!(
                "{input:?} uses http://: use https (http:// is only possible for a loopback test server, with allow_insecure_loopback)"
            )));
        }
        other => {
            return Err(Error::Authority(format!(
                "{input:?}: scheme {other}:// is not supported, use https://"
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Authority(
            "an authority URL must not contain credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Authority(format!(
            "{input:?} has a query or fragment: give just https://host/{{tenant}}"
        )));
    }
    Ok(url)
}

fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_cloud_with_guid_and_domain() {
        let a = Authority::parse(
            "https://login.microsoftonline.com/00000000-1111-2222-3333-444444444444",
        )
        .unwrap();
        assert_eq!(a.tenant(), Some("00000000-1111-2222-3333-444444444444"));
        assert_eq!(a.host(), "login.microsoftonline.com");
        assert_eq!(
            a.metadata_url().as_str(),
            "https://login.microsoftonline.com/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration"
        );
        assert!(a.instance_discovery_url().is_none());

        let a =
            Authority::parse("HTTPS://Login.MicrosoftOnline.com/contoso.onmicrosoft.com/").unwrap();
        assert_eq!(
            a.url().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com"
        );
        assert_eq!(a.to_string(), a.url().as_str());
    }

    #[test]
    fn sovereign_clouds_are_known() {
        for host in [
            "login.microsoftonline.us",
            "login.chinacloudapi.cn",
            "login-us.microsoftonline.com",
        ] {
            let a = Authority::parse(&format!("https://{host}/contoso.onmicrosoft.com")).unwrap();
            assert_eq!(a.host(), host);
            assert!(a.instance_discovery_url().is_none());
        }
    }

    #[test]
    fn emulator_host_keeps_port_and_discovers_on_itself() {
        let a = Authority::parse("https://127.0.0.1:8443/tenant-1").unwrap();
        assert_eq!(a.host(), "127.0.0.1:8443");
        assert_eq!(a.realm(), "tenant-1");
        let d = a.instance_discovery_url().unwrap();
        assert_eq!(d.host_str(), Some("127.0.0.1"));
        assert_eq!(d.port(), Some(8443));
        assert_eq!(d.path(), "/common/discovery/instance");
        assert!(d.as_str().contains("authorization_endpoint=https%3A%2F%2F127.0.0.1%3A8443%2Ftenant-1%2Foauth2%2Fv2.0%2Fauthorize"));
    }

    #[test]
    fn ipv6_loopback_host() {
        let a = Authority::parse("https://[::1]:9000/t").unwrap();
        assert_eq!(a.host(), "[::1]:9000");
    }

    #[test]
    fn multi_tenant_aliases_are_refused_with_advice() {
        for t in ["common", "organizations", "consumers", "Common"] {
            let e =
                Authority::parse(&format!("https://login.microsoftonline.com/{t}")).unwrap_err();
            let text = e.to_string();
            assert!(text.contains("tenant id"), "{text}");
            assert_eq!(e.kind(), crate::ErrorKind::Config);
        }
    }

    #[test]
    fn http_only_for_loopback() {
        let e = Authority::parse("http://login.example.com/t").unwrap_err();
        assert!(e.to_string().contains("use https"));
        assert!(
            Authority::parse("http://127.0.0.1:8080/t")
                .unwrap()
                .is_insecure()
        );
        assert!(Authority::parse("http://localhost:8080/t").is_ok());
        assert!(Authority::parse("http://[::1]:8080/t").is_ok());
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "login.microsoftonline.com/t",
            "ftp://host/t",
            "https://host",
            "https://host/",
            "https://host/a/b",
            "https://host/t?x=1",
            "https://user:pw@host/t",
            "https://host/bad%20tenant",
        ] {
            assert!(Authority::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overlong_urls_and_hosts_are_configuration_errors_that_do_not_quote_them() {
        let tenant = "a".repeat(500 * 1024);
        let e =
            Authority::parse(&format!("https://login.microsoftonline.com/{tenant}")).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(e.to_string().len() < 200, "{e}");
        assert!(e.to_string().contains("at most 2048"), "{e}");
        assert!(Authority::oidc(&format!("https://idp.example.com/{tenant}")).is_err());
        let long_label = format!("https://{}.example.com/t", "h".repeat(64));
        assert!(Authority::parse(&long_label).is_err());
        let long_host = format!("https://{}example.com/t", "h.".repeat(125));
        assert!(Authority::parse(&long_host).is_err());
        let longest = format!("https://{}.example.com/{}", "h".repeat(63), "t".repeat(253));
        assert!(Authority::parse(&longest).is_ok());
    }

    #[test]
    fn admin_consent_url() {
        let a =
            Authority::parse("https://login.microsoftonline.com/contoso.onmicrosoft.com").unwrap();
        assert_eq!(
            a.admin_consent_url("abc").as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=abc"
        );
    }

    #[test]
    fn oidc_issuer() {
        let a = Authority::oidc("https://idp.example.com/realms/ops/").unwrap();
        assert_eq!(a.url().as_str(), "https://idp.example.com/realms/ops");
        assert_eq!(a.tenant(), None);
        assert_eq!(a.realm(), "realms/ops");
        assert_eq!(
            a.metadata_url().as_str(),
            "https://idp.example.com/realms/ops/.well-known/openid-configuration"
        );
        assert!(a.instance_discovery_url().is_none());
        let bare = Authority::oidc("https://idp.example.com").unwrap();
        assert_eq!(
            bare.metadata_url().as_str(),
            "https://idp.example.com/.well-known/openid-configuration"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted authority URLs: Ok or a one-line error, never a panic.
        #[test]
        fn prop_authority_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "(https?://)?([a-z0-9.:\\[\\]@%-]{0,12})(/[a-zA-Z0-9.%?#\n -]{0,12}){0,3}/?",
            ]
        ) {
            for result in [Authority::parse(&input), Authority::oidc(&input)] {
                if let Err(e) = result {
                    let message = e.to_string();
                    proptest::prop_assert!(!message.contains('\n'), "{message}");
                }
            }
        }
    }
}
