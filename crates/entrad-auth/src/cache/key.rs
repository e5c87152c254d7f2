//! [`CacheKey`]: an entry's key, in the parts of MSAL's unified cache schema.

use crate::Authority;

/// MSAL unified-cache key parts: `environment` = authority host, `realm` =
/// tenant as configured, `target` = scopes sorted and space-joined.
///
/// MSAL Python takes `environment` from `urlparse(authority).hostname`, which
/// drops the port: an authority `https://127.0.0.1:8443/{tenant}` has the
/// environment `127.0.0.1`. So does this key, or the two could not share a cache.
/// Its `realm` is the tenant from the discovered token endpoint, which is the
/// configured one when the authority names the tenant by id (as the quickstart
/// does); with a domain, MSAL files the token under the tenant id and the two
/// keep separate entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The authority's host, lower-case, without the port (as MSAL has it).
    pub environment: String,
    /// The application (client) id.
    pub client_id: String,
    /// The tenant as configured (GUID or domain).
    pub realm: String,
    /// The scopes, sorted and space-joined.
    pub target: String,
}

impl CacheKey {
    /// The key for an app token of `client_id` from `authority` for `scopes`.
    pub fn new(authority: &Authority, client_id: &str, scopes: &[&str]) -> CacheKey {
        CacheKey {
            environment: msal_environment(authority),
            client_id: client_id.to_string(),
            realm: authority.realm().to_string(),
            target: target(scopes),
        }
    }

    /// This key with `scopes` for its target: what the client uses to build
    /// keys from parts derived once.
    pub(crate) fn for_scopes(&self, scopes: &[&str]) -> CacheKey {
        CacheKey {
            environment: self.environment.clone(),
            client_id: self.client_id.clone(),
            realm: self.realm.clone(),
            target: target(scopes),
        }
    }

    /// The MSAL unified-cache key of the access-token entry:
    /// `-{environment}-accesstoken-{client_id}-{realm}-{target}`, lower-cased
    /// (the leading `-` is the empty `home_account_id` of app tokens).
    pub fn msal_key(&self) -> String {
        format!(
            "-{}-accesstoken-{}-{}-{}",
            self.environment, self.client_id, self.realm, self.target
        )
        .to_lowercase()
    }
}

/// The scopes sorted, deduplicated and space-joined.
fn target(scopes: &[&str]) -> String {
    let mut sorted: Vec<&str> = scopes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.join(" ")
}

/// MSAL's `environment`: the host as `urlparse().hostname` gives it (lower-case,
/// no port, IPv6 without brackets).
fn msal_environment(authority: &Authority) -> String {
    match authority.url().host() {
        Some(url::Host::Domain(d)) => d.to_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => authority.host().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msal_key_matches_msal_python() {
        let authority =
            Authority::parse("https://login.microsoftonline.com/Contoso.onmicrosoft.com").unwrap();
        let key = CacheKey::new(
            &authority,
            "ABC-123",
            &["https://graph.microsoft.com/.default"],
        );
        assert_eq!(key.realm, "Contoso.onmicrosoft.com");
        assert_eq!(
            key.msal_key(),
            "-login.microsoftonline.com-accesstoken-abc-123-contoso.onmicrosoft.com-https://graph.microsoft.com/.default"
        );
    }

    #[test]
    fn target_is_sorted_and_deduplicated() {
        let authority = Authority::parse("https://127.0.0.1:8443/t").unwrap();
        let a = CacheKey::new(&authority, "c", &["b/.default", "a/.default", "b/.default"]);
        let b = CacheKey::new(&authority, "c", &["a/.default", "b/.default"]);
        assert_eq!(a, b);
        assert_eq!(a.target, "a/.default b/.default");
        // MSAL Python drops the port (urlparse().hostname).
        assert_eq!(a.environment, "127.0.0.1");
    }
}
