//! A Redis URL as messages show it: never its password.

use url::Url;

/// `scheme://host:port/db`: without user, password or query.
pub(crate) fn redacted(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{host}{port}{}", url.scheme(), url.path())
}
