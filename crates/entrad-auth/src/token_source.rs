//! [`TokenSource`]: what every way of getting a token (client credentials,
//! managed identity, the credential chain) offers its callers.

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::{AccessToken, Result};

/// A source of access tokens. Object safe: `Arc<dyn TokenSource>` serves
/// whatever the configuration chose ([`ConfidentialClient`](crate::ConfidentialClient),
/// [`ManagedIdentityClient`](crate::ManagedIdentityClient),
/// [`ChainedCredential`](crate::ChainedCredential)).
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A token for `scopes`, from the cache when one is servable.
    fn acquire_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>>;

    /// A token for `scopes` obtained anew, for a resource's claims challenge
    /// (the cached token was refused).
    fn acquire_token_with_claims<'a>(
        &'a self,
        scopes: &'a [&'a str],
        claims: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken>>;

    /// Drops the token cached for `scopes`.
    fn forget_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<()>>;

    /// Requests repeated after a busy answer or a network failure.
    fn retries(&self) -> u64;

    /// Tokens requested from the service or endpoint (a retried request
    /// counts once; cache hits never count).
    fn token_requests(&self) -> u64;

    /// What serves the tokens, for people: "client secret",
    /// "managed identity (App Service, user-assigned client id …)".
    fn source_name(&self) -> String;
}

impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    fn acquire_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        (**self).acquire_token(scopes)
    }

    fn acquire_token_with_claims<'a>(
        &'a self,
        scopes: &'a [&'a str],
        claims: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        (**self).acquire_token_with_claims(scopes, claims)
    }

    fn forget_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<()>> {
        (**self).forget_token(scopes)
    }

    fn retries(&self) -> u64 {
        (**self).retries()
    }

    fn token_requests(&self) -> u64 {
        (**self).token_requests()
    }

    fn source_name(&self) -> String {
        (**self).source_name()
    }
}

impl TokenSource for crate::ConfidentialClient {
    fn acquire_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(crate::ConfidentialClient::acquire_token(self, scopes))
    }

    fn acquire_token_with_claims<'a>(
        &'a self,
        scopes: &'a [&'a str],
        claims: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(crate::ConfidentialClient::acquire_token_with_claims(
            self, scopes, claims,
        ))
    }

    fn forget_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::ConfidentialClient::forget_token(self, scopes))
    }

    fn retries(&self) -> u64 {
        crate::ConfidentialClient::retries(self)
    }

    fn token_requests(&self) -> u64 {
        crate::ConfidentialClient::token_requests(self)
    }

    fn source_name(&self) -> String {
        self.credential_name().to_string()
    }
}
