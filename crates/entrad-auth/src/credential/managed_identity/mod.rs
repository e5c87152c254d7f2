//! Managed identity: tokens from the Azure host itself, no secret held
//! (MSAL's `ManagedIdentityClient`). One module per source; [`detect`]
//! picks the source from the environment in MSAL Python's order.

mod app_service;
pub(crate) mod arc;
mod builder;
mod cloud_shell;
pub(crate) mod detect;
mod identity;
mod imds;
mod machine_learning;
pub(crate) mod reply;
mod service_fabric;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt as _};

pub use builder::ManagedIdentityClientBuilder;
pub use identity::ManagedIdentity;

use entrad_http::{Request, StatusSet};

use crate::cache::CachedToken;
use crate::engine::{Engine, Fetch};
use crate::transport::{self, Reply, Service};
use crate::{AccessToken, Error, HttpClient, Result, TokenSource};

/// Where a managed identity's tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManagedIdentitySource {
    /// Azure VMs, VM scale sets, AKS: the Instance Metadata Service.
    Imds,
    /// App Service, Functions, Container Apps (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`).
    AppService,
    /// Azure Arc-enabled servers (`IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`, or the agent).
    Arc,
    /// Service Fabric (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER` + `IDENTITY_SERVER_THUMBPRINT`).
    ServiceFabric,
    /// Azure Machine Learning (`MSI_ENDPOINT` + `MSI_SECRET`).
    MachineLearning,
    /// Azure Cloud Shell (`MSI_ENDPOINT` alone).
    CloudShell,
}

impl ManagedIdentitySource {
    /// The source's name for people ("App Service", "IMDS", …).
    pub fn name(self) -> &'static str {
        match self {
            ManagedIdentitySource::Imds => "IMDS",
            ManagedIdentitySource::AppService => "App Service",
            ManagedIdentitySource::Arc => "Azure Arc",
            ManagedIdentitySource::ServiceFabric => "Service Fabric",
            ManagedIdentitySource::MachineLearning => "Machine Learning",
            ManagedIdentitySource::CloudShell => "Cloud Shell",
        }
    }
}

impl fmt::Display for ManagedIdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
    engine: Engine<Requester>,
}

/// One configured source and what it needs to ask for a token.
pub(crate) enum Endpoint {
    Imds(imds::Imds),
    AppService(app_service::AppService),
    Arc(arc::Arc),
    ServiceFabric(service_fabric::ServiceFabric),
    MachineLearning(machine_learning::MachineLearning),
    CloudShell(cloud_shell::CloudShell),
}

impl Endpoint {
    fn source(&self) -> ManagedIdentitySource {
        match self {
            Endpoint::Imds(_) => ManagedIdentitySource::Imds,
            Endpoint::AppService(_) => ManagedIdentitySource::AppService,
            Endpoint::Arc(_) => ManagedIdentitySource::Arc,
            Endpoint::ServiceFabric(_) => ManagedIdentitySource::ServiceFabric,
            Endpoint::MachineLearning(_) => ManagedIdentitySource::MachineLearning,
            Endpoint::CloudShell(_) => ManagedIdentitySource::CloudShell,
        }
    }
}

/// What the engine asks for a token.
pub(crate) struct Requester {
    identity: ManagedIdentity,
    endpoint: Endpoint,
    /// Its transport and retry policy.
    http: HttpClient,
    /// Set inside a chain: until the endpoint first answers, one attempt
    /// with this timeout (off Azure nothing answers, and the chain moves on).
    probe_timeout: Option<Duration>,
    answered: AtomicBool,
    retries: AtomicU64,
    who: String,
}

/// One request to a managed identity endpoint, for the source modules.
pub(crate) struct Call<'a> {
    pub(crate) http: &'a HttpClient,
    pub(crate) identity: &'a ManagedIdentity,
    pub(crate) resource: &'a str,
    requester: &'a Requester,
}

/// The shape of a source's token request: `GET endpoint?api-version=…&resource=…`
/// plus the identity's selector, with the source's headers.
pub(crate) struct TokenGet<'a> {
    pub(crate) source: &'static str,
    pub(crate) endpoint: &'a url::Url,
    pub(crate) api_version: &'static str,
    pub(crate) names: &'a identity::ParamNames,
    pub(crate) headers: &'a [(&'static str, &'a str)],
    pub(crate) statuses: StatusSet,
}

impl Call<'_> {
    /// Sends `get` and reads the token from the answer.
    pub(crate) async fn get_token(&self, get: TokenGet<'_>) -> Result<CachedToken> {
        let mut query = vec![
            ("api-version", get.api_version),
            ("resource", self.resource),
        ];
        query.extend(self.identity.param(get.names));
        let reply = self
            .send(get.statuses, || {
                let mut request = self.http.get(get.endpoint).query(&query);
                for (name, value) in get.headers {
                    request = request.header(name, value);
                }
                request
            })
            .await?;
        reply::token(&reply, get.source)
    }

    /// Sends the request `make` builds under the retry policy (retrying
    /// `statuses`), or once with the probe timeout while probing.
    pub(crate) async fn send(
        &self,
        statuses: StatusSet,
        make: impl Fn() -> Request,
    ) -> Result<Reply> {
        let requester = self.requester;
        let what = requester.endpoint.source().name();
        let service = Service::managed_identity(statuses);
        let probing = requester
            .probe_timeout
            .filter(|_| !requester.answered.load(Ordering::Relaxed));
        let reply = match probing {
            Some(timeout) => transport::probe(what, service, make().timeout(timeout)).await,
            None => {
                transport::send_to(
                    service,
                    &requester.http.retry_policy(),
                    &requester.retries,
                    what,
                    None,
                    make,
                )
                .await
            }
        }?;
        requester.answered.store(true, Ordering::Relaxed);
        Ok(reply)
    }
}

impl ManagedIdentityClient {
    /// Starts configuring a client for `identity`, e.g.
    /// [`ManagedIdentity::SystemAssigned`] or `"client-id:…".parse()?`.
    pub fn builder(identity: ManagedIdentity) -> ManagedIdentityClientBuilder {
        ManagedIdentityClientBuilder::new(identity)
    }

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
                requester: self,
            };
            tracing::debug!(source = self.endpoint.source().name(), identity = %self.identity, resource = %resource, "requesting a managed identity token");
            let token = match &self.endpoint {
                Endpoint::Imds(source) => source.token(&call).await,
                Endpoint::AppService(source) => source.token(&call).await,
                Endpoint::Arc(source) => source.token(&call).await,
                Endpoint::ServiceFabric(source) => source.token(&call).await,
                Endpoint::MachineLearning(source) => source.token(&call).await,
                Endpoint::CloudShell(source) => source.token(&call).await,
            }?;
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
