//! [`ManagedIdentityClient`]: a managed identity's tokens, cached by the engine.

use std::fmt;
use std::sync::atomic::Ordering;

use futures_util::future::BoxFuture;

use super::identity::ManagedIdentity;
use super::requester::Requester;
use super::source::ManagedIdentitySource;
use crate::engine::Engine;
use crate::{AccessToken, Result, TokenSource};

/// A managed identity's token client (MSAL's `ManagedIdentityClient`):
/// detects its source from the environment, asks it for tokens, and caches
/// them with the same engine as [`ConfidentialClient`](crate::ConfidentialClient)
/// (copy, store, single-flight, refresh at `refresh_on`).
///
/// ```
/// use entrad_auth::{ManagedIdentity, ManagedIdentityClient, ManagedIdentitySource};
///
/// # fn main() -> entrad_auth::Result<()> {
/// // An App Service's environment; the identity header never shows.
/// let client = ManagedIdentityClient::builder("client-id:7e1c0d9a".parse()?)
///     .environment([
///         ("IDENTITY_ENDPOINT", "http://127.0.0.1:41000/msi/token"),
///         ("IDENTITY_HEADER", "the-identity-header"),
///     ])
///     .build()?;
/// assert_eq!(client.source(), ManagedIdentitySource::AppService);
/// assert_eq!(
///     client.source_name(),
///     "managed identity (App Service, user-assigned client id 7e1c0d9a)"
/// );
/// assert!(!format!("{client:?}").contains("the-identity-header"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ManagedIdentityClient {
    pub(super) engine: Engine<Requester>,
}

impl ManagedIdentityClient {
    /// A token for `scopes`: one resource, e.g.
    /// `["https://graph.microsoft.com/.default"]` (asked for as the resource
    /// `https://graph.microsoft.com`, as MSAL does). Cached like every token
    /// source's; needs a tokio runtime.
    pub async fn acquire_token(&self, scopes: &[&str]) -> Result<AccessToken> {
        self.engine.acquire(scopes).await
    }

    /// A token requested anew whatever is cached (MSAL Python's
    /// `claims_challenge`: the managed identity endpoints take no claims,
    /// so a fresh token is what can be done).
    pub async fn acquire_token_with_claims(
        &self,
        scopes: &[&str],
        claims: &str,
    ) -> Result<AccessToken> {
        self.engine.acquire_with_claims(scopes, claims).await
    }

    /// Drops the token cached for `scopes`.
    pub async fn forget_token(&self, scopes: &[&str]) -> Result<()> {
        self.engine.forget(scopes).await
    }

    /// Requests repeated after a busy answer (IMDS: 404, 410, 429, 5xx) or a
    /// network failure.
    pub fn retries(&self) -> u64 {
        self.engine.fetcher().retries.load(Ordering::Relaxed)
    }

    /// How many tokens this client asked the endpoint for (a retried
    /// request counts once; cache hits never count).
    pub fn token_requests(&self) -> u64 {
        self.engine.requests()
    }

    /// The detected (or chosen) source.
    pub fn source(&self) -> ManagedIdentitySource {
        self.engine.fetcher().endpoint.source()
    }

    /// The identity asked for.
    pub fn identity(&self) -> &ManagedIdentity {
        &self.engine.fetcher().identity
    }

    /// "managed identity (App Service, user-assigned client id …)".
    pub fn source_name(&self) -> String {
        format!("managed identity ({})", self.engine.fetcher().who)
    }
}

impl TokenSource for ManagedIdentityClient {
    fn acquire_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(ManagedIdentityClient::acquire_token(self, scopes))
    }

    fn acquire_token_with_claims<'a>(
        &'a self,
        scopes: &'a [&'a str],
        claims: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(ManagedIdentityClient::acquire_token_with_claims(
            self, scopes, claims,
        ))
    }

    fn forget_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<()>> {
        Box::pin(ManagedIdentityClient::forget_token(self, scopes))
    }

    fn retries(&self) -> u64 {
        ManagedIdentityClient::retries(self)
    }

    fn token_requests(&self) -> u64 {
        ManagedIdentityClient::token_requests(self)
    }

    fn source_name(&self) -> String {
        ManagedIdentityClient::source_name(self)
    }
}

impl fmt::Debug for ManagedIdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let requester = self.engine.fetcher();
        f.debug_struct("ManagedIdentityClient")
            .field("source", &requester.endpoint.source())
            .field("identity", &requester.identity)
            .field("retry", &requester.http.retry_policy())
            .field("probe_timeout", &requester.probe_timeout)
            .field("cache", self.engine.cache())
            .finish_non_exhaustive()
    }
}
