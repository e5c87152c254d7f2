//! A managed identity or the credential chain, built from the settings.

use std::sync::Arc;

use entrad_auth::{ChainedCredential, ManagedIdentityClient, RetryPolicy, TokenSource};

use crate::commands::session::check_ca_file;
use crate::config::{Settings, TokenSourceSpec};
use crate::error::Error;

/// The token source `spec` names (not the app's own credential).
pub fn open(
    settings: &Settings,
    spec: &TokenSourceSpec,
    retry: RetryPolicy,
) -> Result<Arc<dyn TokenSource>, Error> {
    let cache = settings.cache.build()?;
    Ok(match spec {
        TokenSourceSpec::ManagedIdentity(identity) => {
            let mut builder = ManagedIdentityClient::builder(identity.clone())
                .retry_policy(retry)
                .cache(cache);
            if let Some(timeout) = settings.timeout {
                builder = builder.timeout(timeout);
            }
            Arc::new(builder.build()?)
        }
        TokenSourceSpec::Chain | TokenSourceSpec::App => {
            let mut builder = ChainedCredential::builder().cache(cache);
            if let Some(ca_file) = &settings.ca_file {
                check_ca_file(ca_file)?;
                builder = builder.ca_file(ca_file.clone());
            }
            Arc::new(builder.build()?)
        }
    })
}
