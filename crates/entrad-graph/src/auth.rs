//! Where a [`GraphClient`](crate::GraphClient)'s tokens come from: any
//! [`TokenSource`] (a confidential client, a managed identity, a chain),
//! and the HTTP client the Graph requests go through.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use entrad_auth::{ConfidentialClient, TokenSource};

use crate::error::Result;

/// A token source and the HTTP client for the requests carrying its tokens.
///
/// From a [`ConfidentialClient`] (its HTTP client: CA, timeouts), or from
/// any source with [`GraphAuth::new`]:
///
/// ```
/// use std::sync::Arc;
/// use entrad_auth::{ManagedIdentity, ManagedIdentityClient, TokenSource};
/// use entrad_graph::{GraphAuth, GraphClient};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let identity = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
///     .imds_endpoint("http://127.0.0.1:1")
///     .build()?;
/// let source: Arc<dyn TokenSource> = Arc::new(identity);
/// let graph = GraphClient::builder(GraphAuth::new(source, &[])?).build();
/// assert!(format!("{graph:?}").contains("managed identity (IMDS, system-assigned)"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct GraphAuth {
    pub(crate) source: Arc<dyn TokenSource>,
    pub(crate) http: reqwest::Client,
}

impl GraphAuth {
    /// `source`'s tokens, sent by an HTTP client trusting `ca_files` too
    /// (e.g. the emulator's `ca.pem`).
    pub fn new(source: Arc<dyn TokenSource>, ca_files: &[PathBuf]) -> Result<GraphAuth> {
        let http = entrad_auth::internal::http_client_trusting(ca_files)?;
        Ok(GraphAuth { source, http })
    }
}

impl From<ConfidentialClient> for GraphAuth {
    fn from(client: ConfidentialClient) -> GraphAuth {
        GraphAuth {
            http: entrad_auth::internal::http_client(&client).clone(),
            source: Arc::new(client),
        }
    }
}

impl fmt::Debug for GraphAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphAuth")
            .field("source", &self.source.source_name())
            .finish_non_exhaustive()
    }
}
