//! Where the emulator listens, and the base URL of a request: issuers and links
//! are written with the name the client used.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

/// The configured address of the token service and Graph.
#[derive(Debug)]
pub(crate) struct Origin {
    /// `https://127.0.0.1:PORT`, no trailing slash.
    pub(crate) base_url: String,
    pub(crate) port: u16,
}

impl Origin {
    /// The base URL for a request that named `host` (`https://localhost:PORT` when it
    /// came by that name); any other name gets the configured URL.
    pub(crate) fn for_host(&self, host: Option<&str>) -> String {
        let port = self.port.to_string();
        match host.and_then(|h| h.rsplit_once(':')) {
            Some((name, p)) if p == port && matches!(name, "127.0.0.1" | "localhost" | "[::1]") => {
                format!("https://{name}:{port}")
            }
            _ => self.base_url.clone(),
        }
    }
}

/// The base URL the client used (see [`Origin::for_host`]), so that issuers and links
/// match what the client sees.
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl(pub(crate) String);

impl<S> FromRequestParts<S> for BaseUrl
where
    S: Send + Sync,
    Arc<Origin>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
        Ok(BaseUrl(Arc::<Origin>::from_ref(state).for_host(host)))
    }
}
