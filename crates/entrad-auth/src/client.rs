//! The confidential client: cache first, one request per key, proactive refresh.

mod builder;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::FutureExt as _;

pub use builder::ClientBuilder;

use crate::cache::{CacheKey, CacheLock, CachedToken, TokenCache};
use crate::discovery::{Discovery, Endpoints};
use crate::refresh::{self, Freshness, RefreshPause};
use crate::single_flight::SingleFlight;
use crate::token_request::TokenRequest;
use crate::{AccessToken, Authority, Credential, Error, Result, RetryPolicy};

/// A daemon's client for the client-credentials flow (MSAL's
/// `ConfidentialClientApplication` + `acquire_token_for_client`).
///
/// Cheap to clone: clones share the HTTP client, the discovered metadata, the
/// cache and the in-flight requests.
#[derive(Clone)]
pub struct ConfidentialClient {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    client_id: String,
    authority: Authority,
    credential: Credential,
    http: reqwest::Client,
    retry: RetryPolicy,
    cache: Arc<dyn TokenCache>,
    instance_discovery: bool,
    allow_insecure_loopback: bool,
    endpoints: tokio::sync::OnceCell<Arc<Endpoints>>,
    flights: SingleFlight<CacheKey, Result<AccessToken>>,
    refresh_pause: RefreshPause,
}

/// Why a flight runs: it decides which cached token makes the request unnecessary.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Nothing usable was cached: any servable token will do.
    Miss,
    /// The cached token is due for refresh: only one not yet due will do.
    Refresh,
}

impl ConfidentialClient {
    /// Starts configuring a client for `client_id` (the Application (client) ID)
    /// at `authority` with `credential`.
    pub fn builder(
        client_id: impl Into<String>,
        authority: Authority,
        credential: Credential,
    ) -> ClientBuilder {
        ClientBuilder::new(client_id.into(), authority, credential)
    }

    /// An app token for `scopes`, e.g. `["https://graph.microsoft.com/.default"]`.
    ///
    /// Cache first (a token expiring within 5 minutes counts as a miss). A
    /// token past its `refresh_on` is returned at once while one background
    /// refresh runs. On a miss, concurrent callers for the same scopes share
    /// one request. Transient failures are retried under the retry policy.
    /// Needs a tokio runtime.
    pub async fn acquire_token(&self, scopes: &[&str]) -> Result<AccessToken> {
        check_scopes(scopes)?;
        let key = CacheKey::new(&self.inner.authority, &self.inner.client_id, scopes);
        if let Some(cached) = self.inner.cached(&key).await {
            match refresh::freshness(&cached, now_secs()) {
                Freshness::Fresh => return Ok(to_access_token(cached, true, None)),
                Freshness::RefreshDue => {
                    if self.inner.refresh_pause.allows(&key) {
                        tracing::debug!(client_id = %self.inner.client_id, scope = %key.target, "token due for refresh, refreshing in the background");
                        // The flight runs on its own task: dropping our handle
                        // does not stop it.
                        drop(self.flight(key, scopes, Purpose::Refresh));
                    }
                    return Ok(to_access_token(cached, true, None));
                }
                Freshness::Spent => {}
            }
        }
        self.flight(key, scopes, Purpose::Miss).await
    }

    /// Drops the token cached for `scopes`, so that the next
    /// [`acquire_token`](Self::acquire_token) for them requests a fresh one.
    ///
    /// For a token the resource refused before its expiry (Graph's 401
    /// `InvalidAuthenticationToken`: the token was revoked, or the service's
    /// signing keys changed). The client keeps tokens nowhere but its store
    /// (a [`FallbackCache`](crate::FallbackCache) drops its in-memory copy
    /// too), so removing the entry is enough; processes sharing the store stop
    /// serving it as well. Fails when the scopes are invalid or the store
    /// cannot remove the entry.
    ///
    /// ```
    /// # use entrad_auth::{Authority, ConfidentialClient, Credential};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> entrad_auth::Result<()> {
    /// # let client = ConfidentialClient::builder(
    /// #     "client-id",
    /// #     Authority::parse("https://127.0.0.1:8443/tenant-id")?,
    /// #     Credential::secret("secret"),
    /// # )
    /// # .build()?;
    /// // Graph answered 401 to a cached token: the next acquire_token asks anew.
    /// client.forget_token(&["https://graph.microsoft.com/.default"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn forget_token(&self, scopes: &[&str]) -> Result<()> {
        check_scopes(scopes)?;
        let key = CacheKey::new(&self.inner.authority, &self.inner.client_id, scopes);
        tracing::debug!(client_id = %self.inner.client_id, scope = %key.target, "forgetting the cached token");
        self.inner.cache.remove(&key).await
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The authority tokens come from.
    pub fn authority(&self) -> &Authority {
        &self.inner.authority
    }

    /// The configured HTTP client (custom CA, timeouts) for reuse, e.g. by
    /// entrad-graph. It follows same-origin redirects only.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn flight(
        &self,
        key: CacheKey,
        scopes: &[&str],
        purpose: Purpose,
    ) -> crate::single_flight::Flight<Result<AccessToken>> {
        let inner = Arc::clone(&self.inner);
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let flight_key = key.clone();
        self.inner.flights.join(
            &key,
            move || async move { inner.fly(flight_key, scopes, purpose).await }.boxed(),
            |e| {
                Err(Error::Internal(format!(
                    "the token request task failed: {e}"
                )))
            },
        )
    }
}

impl Inner {
    /// Runs one flight: re-checks the cache (another flight may just have
    /// filled it), else requests a token and stores it. A store shared by
    /// several processes is locked around the last look and the request, so
    /// that processes starting together cause one request between them.
    async fn fly(
        self: Arc<Self>,
        key: CacheKey,
        scopes: Vec<String>,
        purpose: Purpose,
    ) -> Result<AccessToken> {
        if let Some(token) = self.servable(&key, purpose).await {
            return Ok(token);
        }
        let lock = self.cross_process_lock(&key).await;
        let result = match &lock {
            Some(_) => match self.servable(&key, purpose).await {
                Some(token) => Ok(token),
                None => self.request_and_store(&key, &scopes, purpose).await,
            },
            None => self.request_and_store(&key, &scopes, purpose).await,
        };
        if let Some(lock) = lock
            && let Err(e) = lock.release().await
        {
            tracing::debug!(error = %e, "could not release the token cache lock; it will expire");
        }
        result
    }

    /// The cached token, when it makes a request for `purpose` unnecessary.
    async fn servable(&self, key: &CacheKey, purpose: Purpose) -> Option<AccessToken> {
        let cached = self.cached(key).await?;
        let usable = match refresh::freshness(&cached, now_secs()) {
            Freshness::Fresh => true,
            Freshness::RefreshDue => purpose == Purpose::Miss,
            Freshness::Spent => false,
        };
        usable.then(|| to_access_token(cached, true, None))
    }

    /// The store's cross-process lock; without it (none, or the store
    /// failed) the request goes ahead all the same.
    async fn cross_process_lock(&self, key: &CacheKey) -> Option<CacheLock> {
        match self.cache.lock(key).await {
            Ok(lock) => lock,
            Err(e) => {
                tracing::warn!(error = %e, "could not lock the token cache; requesting a token without the lock");
                None
            }
        }
    }

    async fn request_and_store(
        &self,
        key: &CacheKey,
        scopes: &[String],
        purpose: Purpose,
    ) -> Result<AccessToken> {
        let result = self.request(scopes).await;
        match (&result, purpose) {
            (Ok(_), _) => self.refresh_pause.succeeded(key),
            (Err(e), Purpose::Refresh) => {
                tracing::warn!(client_id = %self.client_id, scope = %key.target, error = %e, "background token refresh failed; serving the cached token");
                self.refresh_pause.failed(key);
            }
            (Err(_), Purpose::Miss) => {}
        }
        let (token, client_request_id) = result?;
        if let Err(e) = self.cache.put(key, &token).await {
            tracing::warn!(error = %e, "could not store the token in the cache");
        }
        Ok(to_access_token(token, false, Some(client_request_id)))
    }

    async fn request(&self, scopes: &[String]) -> Result<(CachedToken, String)> {
        let endpoints = self
            .endpoints
            .get_or_try_init(|| async {
                Discovery {
                    http: &self.http,
                    retry: &self.retry,
                    instance_discovery: self.instance_discovery,
                    allow_insecure_loopback: self.allow_insecure_loopback,
                }
                .endpoints(&self.authority)
                .await
                .map(Arc::new)
            })
            .await?;
        let received = TokenRequest {
            http: &self.http,
            retry: &self.retry,
            token_endpoint: &endpoints.token_endpoint,
            client_id: &self.client_id,
            scopes,
            credential: &self.credential,
        }
        .send()
        .await?;
        Ok((received.token, received.client_request_id))
    }

    /// A failing store counts as a miss: the cache must never stop a daemon.
    async fn cached(&self, key: &CacheKey) -> Option<CachedToken> {
        match self.cache.get(key).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "token cache lookup failed; treating it as a miss");
                None
            }
        }
    }
}

fn check_scopes(scopes: &[&str]) -> Result<()> {
    if scopes.is_empty() {
        return Err(Error::Config(
            "no scope given: client credentials need {resource}/.default, e.g. https://graph.microsoft.com/.default".into(),
        ));
    }
    if let Some(bad) = scopes
        .iter()
        .find(|s| s.is_empty() || s.chars().any(char::is_whitespace))
    {
        return Err(Error::Config(format!(
            "scope {bad:?} is empty or contains spaces: give each scope separately"
        )));
    }
    Ok(())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn to_access_token(
    token: CachedToken,
    from_cache: bool,
    client_request_id: Option<String>,
) -> AccessToken {
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    AccessToken {
        secret: token.secret,
        token_type: token.token_type,
        expires_on: at(token.expires_on),
        refresh_on: token.refresh_on.map(at),
        from_cache,
        client_request_id,
    }
}

impl fmt::Debug for ConfidentialClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfidentialClient")
            .field("client_id", &self.inner.client_id)
            .field("authority", &self.inner.authority)
            .field("credential", &self.inner.credential)
            .field("retry", &self.inner.retry)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(authority: &str) -> ClientBuilder {
        ConfidentialClient::builder(
            "client-1",
            Authority::parse(authority).unwrap(),
            Credential::secret("builder-test-secret"),
        )
    }

    #[test]
    fn http_loopback_needs_opt_in() {
        let e = builder("http://127.0.0.1:1/t").build().unwrap_err();
        assert!(e.to_string().contains("allow_insecure_loopback"), "{e}");
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(
            builder("http://127.0.0.1:1/t")
                .allow_insecure_loopback(true)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn empty_client_id_is_refused() {
        let e = ConfidentialClient::builder(
            " ",
            Authority::parse("https://127.0.0.1:1/t").unwrap(),
            Credential::secret("s"),
        )
        .build()
        .unwrap_err();
        assert!(e.to_string().contains("client_id"));
    }

    #[test]
    fn ca_file_problems_are_config_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = builder("https://127.0.0.1:1/t")
            .ca_file(dir.path().join("missing.pem"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("cannot read the CA file"), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "nothing here").unwrap();
        let e = builder("https://127.0.0.1:1/t")
            .ca_file(&empty)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
        let ca = include_bytes!("../tests/fixtures/app-cert.pem");
        assert!(
            builder("https://127.0.0.1:1/t")
                .root_certificate_pem(ca)
                .build()
                .is_ok()
        );
    }

    #[tokio::test]
    async fn scopes_are_checked_before_any_request() {
        let client = builder("https://127.0.0.1:1/t").build().unwrap();
        for scopes in [&[][..], &[""], &["a b"]] {
            let e = client.acquire_token(scopes).await.unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Config);
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let client = builder("https://127.0.0.1:1/t").build().unwrap();
        let text = format!("{client:?}");
        assert!(!text.contains("builder-test-secret"));
        assert!(text.contains("client-1"));
        assert!(!format!("{:?}", builder("https://127.0.0.1:1/t")).contains("builder-test-secret"));
    }
}
