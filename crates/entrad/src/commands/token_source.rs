//! A managed identity or the credential chain, built from the settings.

use std::sync::Arc;

use entrad_auth::{ChainedCredential, HttpOptions, ManagedIdentityClient, TokenSource};

use crate::config::{Settings, TokenSourceSpec};
use crate::error::Error;

/// The token source `spec` names (not the app's own credential).
pub fn open(
    settings: &Settings,
    spec: &TokenSourceSpec,
    http: &HttpOptions,
) -> Result<Arc<dyn TokenSource>, Error> {
    let cache = settings.cache.build()?;
    Ok(match spec {
        TokenSourceSpec::ManagedIdentity(identity) => Arc::new(
            ManagedIdentityClient::builder(identity.clone())
                .http(http.clone())
                .cache(cache)
                .build()?,
        ),
        TokenSourceSpec::Chain | TokenSourceSpec::App => Arc::new(
            ChainedCredential::builder()
                .http(http.clone())
                .cache(cache)
                .build()?,
        ),
    })
}
