//! [`Requester`]: what the engine asks for a managed identity token.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt as _};

use super::call::Call;
use super::endpoint::Endpoint;
use super::identity::ManagedIdentity;
use crate::cache::CachedToken;
use crate::engine::Fetch;
use crate::{Error, HttpClient, Result};

/// What the engine asks for a token.
pub(crate) struct Requester {
    pub(super) identity: ManagedIdentity,
    pub(super) endpoint: Endpoint,
    /// Its transport and retry policy.
    pub(super) http: HttpClient,
    /// Set inside a chain: until the endpoint first answers, one attempt
    /// with this timeout (off Azure nothing answers, and the chain moves on).
    pub(super) probe_timeout: Option<Duration>,
    pub(super) answered: AtomicBool,
    pub(super) retries: AtomicU64,
    pub(super) who: String,
}

impl Fetch for Requester {
    fn fetch<'a>(
        &'a self,
        scopes: &'a [String],
        // Neither the Azure CLI nor the managed identity endpoints take
        // claims: a token requested anew is what a challenge can get.
        _claims: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(CachedToken, Option<String>)>> {
        async move {
            let resource = scope_to_resource(scopes)?;
            let call = Call {
                http: &self.http,
                identity: &self.identity,
                resource: &resource,
                what: self.endpoint.source().name(),
                probe_timeout: self.probe_timeout,
                answered: &self.answered,
                retries: &self.retries,
            };
            tracing::debug!(source = self.endpoint.source().name(), identity = %self.identity, resource = %resource, "requesting a managed identity token");
            let token = self.endpoint.token(&call).await?;
            tracing::info!(source = self.endpoint.source().name(), identity = %self.identity, expires_on = token.expires_on, "managed identity token acquired");
            Ok((token, None))
        }
        .boxed()
    }

    fn who(&self) -> &str {
        &self.who
    }
}

/// The resource a managed identity endpoint takes for `scopes`: one scope,
/// its `/.default` suffix dropped (`https://graph.microsoft.com/.default` is
/// the resource `https://graph.microsoft.com`).
fn scope_to_resource(scopes: &[String]) -> Result<String> {
    match scopes {
        [scope] => Ok(scope.strip_suffix("/.default").unwrap_or(scope).to_string()),
        _ => Err(Error::Config(format!(
            "a managed identity token is for one resource, {} scopes were given: ask for {{resource}}/.default",
            scopes.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_one_resource() {
        let one = |s: &str| scope_to_resource(&[s.to_string()]).unwrap();
        assert_eq!(
            one("https://graph.microsoft.com/.default"),
            "https://graph.microsoft.com"
        );
        assert_eq!(one("api://x"), "api://x");
        let two = scope_to_resource(&["a".into(), "b".into()]).unwrap_err();
        assert!(two.to_string().contains("one resource"), "{two}");
    }
}
