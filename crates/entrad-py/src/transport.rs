//! How the binding's clients reach the network: the one [`HttpOptions`]
//! value every builder takes, made from what a Python caller gave.

use std::path::PathBuf;
use std::time::Duration;

use entrad_auth::HttpOptions;

/// The transport options of a caller: PEM files whose roots are trusted too
/// (`verify=`, `ca_file=`, `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`), the time
/// limit of one request (MSAL's `timeout`, a number) and of connecting
/// (MSAL's `timeout` as a `(connect, read)` pair).
pub(crate) fn http_options(
    ca_files: Vec<PathBuf>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
) -> HttpOptions {
    let mut options = ca_files
        .into_iter()
        .fold(HttpOptions::new(), HttpOptions::with_ca_file);
    if let Some(timeout) = timeout {
        options = options.with_timeout(timeout);
    }
    if let Some(timeout) = connect_timeout {
        options = options.with_connect_timeout(timeout);
    }
    options
}
