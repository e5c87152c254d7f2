//! Where a [`GraphClient`](crate::GraphClient)'s tokens come from: any
//! [`TokenSource`] (a confidential client, a managed identity, a chain),
//! and, from a confidential client, the HTTP client it lends.

use std::fmt;
use std::sync::Arc;

use entrad_auth::{ConfidentialClient, HttpClient, TokenSource};

/// A token source, and the HTTP client of the token requests when the Graph
/// requests should share it.
///
/// From a [`ConfidentialClient`]: its tokens and its [`HttpClient`] (CAs,
/// time limits, retry policy, connection pool), so that token and Graph
/// requests share connections. From any source with [`GraphAuth::new`]: the
/// Graph client builds its own HTTP client from
/// [`GraphClientBuilder::http`](crate::GraphClientBuilder::http).
///
/// ```
/// use std::sync::Arc;
/// use entrad_auth::{HttpOptions, ManagedIdentity, ManagedIdentityClient, TokenSource};
/// use entrad_graph::{GraphAuth, GraphClient};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let identity = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
///     .imds_endpoint("http://127.0.0.1:1")
///     .build()?;
/// let source: Arc<dyn TokenSource> = Arc::new(identity);
/// let graph = GraphClient::builder(GraphAuth::new(source))
///     .http(HttpOptions::new())
///     .build()?;
/// assert!(format!("{graph:?}").contains("managed identity (IMDS, system-assigned)"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct GraphAuth {
    pub(crate) source: Arc<dyn TokenSource>,
    pub(crate) http: Option<HttpClient>,
}

impl GraphAuth {
    /// `source`'s tokens; the Graph requests go through an HTTP client of
    /// the Graph client's own ([`GraphClientBuilder::http`](crate::GraphClientBuilder::http)).
    pub fn new(source: Arc<dyn TokenSource>) -> GraphAuth {
        GraphAuth { source, http: None }
    }
}

impl From<ConfidentialClient> for GraphAuth {
    fn from(client: ConfidentialClient) -> GraphAuth {
        GraphAuth {
            http: Some(client.http_client().clone()),
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
