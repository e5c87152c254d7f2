//! How the binding's clients reach the network: trusted CA files and time
//! limits. Every builder is configured here and nowhere else, so that a
//! change of entrad-auth's transport options touches this one function.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use entrad_auth::{
    ChainedCredentialBuilder, ClientBuilder, ManagedIdentityClientBuilder, TokenSource,
};
use entrad_graph::GraphAuth;

/// The transport options a Python caller gave.
#[derive(Debug, Clone, Default)]
pub(crate) struct HttpSettings {
    /// PEM files whose roots are trusted too (`verify=`, `ca_file=`,
    /// `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`).
    pub(crate) ca_files: Vec<PathBuf>,
    /// Time limit for one request (MSAL's `timeout`, a number).
    pub(crate) timeout: Option<Duration>,
    /// Time limit for connecting (MSAL's `timeout` as a `(connect, read)` pair).
    pub(crate) connect_timeout: Option<Duration>,
}

/// Something whose requests go over the network, before its transport is set.
pub(crate) enum Transported {
    /// A confidential client's builder.
    Client(ClientBuilder),
    /// A managed identity client's builder.
    ManagedIdentity(ManagedIdentityClientBuilder),
    /// The credential chain's builder.
    Chain(ChainedCredentialBuilder),
    /// Graph requests carrying the tokens of a source that is not a
    /// confidential client (which lends Graph its own HTTP client).
    Graph(Arc<dyn TokenSource>),
    /// Graph requests, configured: the result of [`configure`] for [`Transported::Graph`].
    GraphAuth(GraphAuth),
}

/// `target` with the CA files and time limits of `http` applied.
pub(crate) fn configure(
    target: Transported,
    http: &HttpSettings,
) -> Result<Transported, entrad_graph::Error> {
    Ok(match target {
        Transported::Client(mut builder) => {
            for file in &http.ca_files {
                builder = builder.ca_file(file.clone());
            }
            if let Some(timeout) = http.timeout {
                builder = builder.timeout(timeout);
            }
            if let Some(timeout) = http.connect_timeout {
                builder = builder.connect_timeout(timeout);
            }
            Transported::Client(builder)
        }
        Transported::ManagedIdentity(mut builder) => {
            // Managed identity endpoints are local http, or Service Fabric's
            // pinned certificate: no CA to add.
            if let Some(timeout) = http.timeout {
                builder = builder.timeout(timeout);
            }
            if let Some(timeout) = http.connect_timeout {
                builder = builder.connect_timeout(timeout);
            }
            Transported::ManagedIdentity(builder)
        }
        Transported::Chain(mut builder) => {
            for file in &http.ca_files {
                builder = builder.ca_file(file.clone());
            }
            Transported::Chain(builder)
        }
        Transported::Graph(source) => {
            Transported::GraphAuth(GraphAuth::new(source, &http.ca_files)?)
        }
        configured @ Transported::GraphAuth(_) => configured,
    })
}
