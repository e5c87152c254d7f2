//! The confidential client: its own copy first, then the store; one request
//! per key; proactive refresh.

mod builder;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use futures_util::future::FutureExt as _;

pub use builder::ClientBuilder;

use crate::cache::{CacheKey, CacheLock, CachedToken, TokenCache};
use crate::clock::now_secs;
use crate::discovery::{Discovery, Endpoints};
use crate::hot::{HotTokens, Times};
use crate::refresh::{self, Freshness, RefreshPause};
use crate::single_flight::SingleFlight;
use crate::token::Bearer;
use crate::token_request::TokenRequest;
use crate::{AccessToken, Authority, Credential, Error, Result, RetryPolicy};

/// A daemon's client for the client-credentials flow (MSAL's
/// `ConfidentialClientApplication` + `acquire_token_for_client`).
///
/// Cheap to clone: clones share the HTTP client, the discovered metadata, the
/// cache, the copy of the last tokens and the in-flight requests.
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
    /// The environment, client id and realm of every key, derived once.
    key_parts: CacheKey,
    /// The last token per scope set, served before the store is asked.
    hot: HotTokens,
    instance_discovery: bool,
    allow_insecure_loopback: bool,
    endpoints: tokio::sync::OnceCell<Arc<Endpoints>>,
    flights: SingleFlight<CacheKey, Result<AccessToken>>,
    refresh_pause: RefreshPause,
    /// Attempts repeated after a busy answer or a network failure (discovery and token).
    retries: AtomicU64,
    /// Token requests sent to the service (each counted once, retries apart).
    token_requests: AtomicU64,
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
    /// Cache first (a token expiring within 5 minutes counts as a miss): the
    /// client's own copy of the last token for these scopes (kept whenever a
    /// token is obtained or read from the store; a hit copies a pointer),
    /// then the store, which a token another process cached is picked up
    /// from. A token past its `refresh_on` is returned at once while one
    /// background refresh runs. On a miss, concurrent callers for the same
    /// scopes share one request. Transient failures are retried under the
    /// retry policy. Needs a tokio runtime.
    pub async fn acquire_token(&self, scopes: &[&str]) -> Result<AccessToken> {
        // Kept tokens are for checked scopes, so a hit needs no check.
        if let Some(hit) = self.inner.hot.get(scopes, now_secs()) {
            if let Some(key) = hit.refresh_due {
                self.refresh_in_background(key, scopes);
            }
            return Ok(hit.token);
        }
        // Boxed so that this future stays small: a hit moves it whole.
        self.acquire_from_store(scopes).boxed().await
    }

    /// A miss of the copy: the store, else one request shared by all callers.
    async fn acquire_from_store(&self, scopes: &[&str]) -> Result<AccessToken> {
        check_scopes(scopes)?;
        let key = self.inner.key_parts.for_scopes(scopes);
        let epoch = self.inner.hot.epoch();
        if let Some(cached) = self.inner.cached(&key).await {
            let freshness = refresh::freshness(&cached, now_secs());
            if freshness != Freshness::Spent {
                let token = self.inner.keep(epoch, &key, cached, None);
                if freshness == Freshness::RefreshDue {
                    self.refresh_in_background(key, scopes);
                }
                return Ok(token);
            }
        }
        self.flight(key, scopes, Purpose::Miss).await
    }

    /// Drops the token cached for `scopes`, so that the next
    /// [`acquire_token`](Self::acquire_token) for them requests a fresh one.
    ///
    /// For a token the resource refused before its expiry (Graph's 401
    /// `InvalidAuthenticationToken`: the token was revoked, or the service's
    /// signing keys changed). Clears this process's copy (this client's,
    /// shared by its clones) and the store's entry (a
    /// [`FallbackCache`](crate::FallbackCache) drops its in-memory copy too).
    /// Other processes (and other clients) sharing the store keep serving
    /// their own copy until the resource refuses it: they drop theirs on
    /// their own 401, since entrad-graph retries once with a fresh token.
    /// Fails when the scopes are invalid or the store cannot remove the
    /// entry; this client's copy is cleared all the same.
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
        let key = self.inner.key_parts.for_scopes(scopes);
        tracing::debug!(client_id = %self.inner.client_id, scope = %key.target, "forgetting the cached token");
        let removed = self.inner.cache.remove(&key).await;
        // After the store: a lookup that read the entry before it went cannot
        // keep it (forgetting moves the copy's epoch on).
        self.inner.hot.forget(&key);
        removed
    }

    /// How many requests to the token service (discovery included) this client
    /// and its clones repeated after a 429/5xx or a network failure: a measure
    /// of how hard the service pushed back.
    pub fn retries(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    /// How many tokens this client and its clones asked the token service
    /// for (a retried request counts once; cache hits never count): what a
    /// shared cache saves shows here.
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::Relaxed)
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The authority tokens come from.
    pub fn authority(&self) -> &Authority {
        &self.inner.authority
    }

    /// The configured HTTP client (custom CA, timeouts, same-origin
    /// redirects only); entrad-graph gets it through [`crate::internal`].
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Starts one background refresh for `key`, unless one failed lately.
    /// Past `refresh_on` every hit comes here; the single-flight makes the
    /// hits while the refresh runs join it instead of starting another.
    fn refresh_in_background(&self, key: CacheKey, scopes: &[&str]) {
        if self.inner.refresh_pause.allows(&key) {
            tracing::debug!(client_id = %self.inner.client_id, scope = %key.target, "token due for refresh, refreshing in the background");
            // The flight runs on its own task: dropping our handle does not stop it.
            drop(self.flight(key, scopes, Purpose::Refresh));
        }
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
            |e| Err(Error::TokenTask(crate::Cause::new(e))),
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
        let epoch = self.hot.epoch();
        if let Some(token) = self.servable(epoch, &key, purpose).await {
            return Ok(token);
        }
        let lock = self.cross_process_lock(&key).await;
        let result = match &lock {
            Some(_) => match self.servable(epoch, &key, purpose).await {
                Some(token) => Ok(token),
                None => self.request_and_store(epoch, &key, &scopes, purpose).await,
            },
            None => self.request_and_store(epoch, &key, &scopes, purpose).await,
        };
        if let Some(lock) = lock
            && let Err(e) = lock.release().await
        {
            tracing::debug!(error = %e, "could not release the token cache lock; it will expire");
        }
        result
    }

    /// The cached token, when it makes a request for `purpose` unnecessary.
    async fn servable(&self, epoch: u64, key: &CacheKey, purpose: Purpose) -> Option<AccessToken> {
        let cached = self.cached(key).await?;
        let usable = match refresh::freshness(&cached, now_secs()) {
            Freshness::Fresh => true,
            Freshness::RefreshDue => purpose == Purpose::Miss,
            Freshness::Spent => false,
        };
        usable.then(|| self.keep(epoch, key, cached, None))
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
        epoch: u64,
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
        Ok(self.keep(epoch, key, token, Some(client_request_id)))
    }

    /// The token to hand out for `token`, which came from the store (no
    /// request id) or from a request; kept in the copy too, unless
    /// `forget_token` ran since `epoch`.
    fn keep(
        &self,
        epoch: u64,
        key: &CacheKey,
        token: CachedToken,
        client_request_id: Option<String>,
    ) -> AccessToken {
        let times = Times {
            cached_at: token.cached_at,
            expires_on: token.expires_on,
            refresh_on: token.refresh_on,
        };
        let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
        let access_token = AccessToken {
            bearer: Arc::new(Bearer {
                secret: token.secret,
                token_type: token.token_type,
            }),
            expires_on: at(times.expires_on),
            refresh_on: times.refresh_on.map(at),
            from_cache: client_request_id.is_none(),
            client_request_id,
        };
        self.hot.fill(epoch, key, &access_token, times, now_secs());
        access_token
    }

    async fn request(&self, scopes: &[String]) -> Result<(CachedToken, String)> {
        let endpoints = self
            .endpoints
            .get_or_try_init(|| async {
                Discovery {
                    http: &self.http,
                    retry: &self.retry,
                    retries: &self.retries,
                    instance_discovery: self.instance_discovery,
                    allow_insecure_loopback: self.allow_insecure_loopback,
                }
                .endpoints(&self.authority)
                .await
                .map(Arc::new)
            })
            .await?;
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        let received = TokenRequest {
            http: &self.http,
            retry: &self.retry,
            retries: &self.retries,
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
    if let Some(bad) = scopes.iter().find(|s| s.is_empty() || has_whitespace(s)) {
        return Err(Error::Config(format!(
            "scope {bad:?} is empty or contains spaces: give each scope separately"
        )));
    }
    Ok(())
}

/// Unicode whitespace, scanning bytes while they are ASCII (scopes are URIs).
fn has_whitespace(s: &str) -> bool {
    if s.is_ascii() {
        // char::is_whitespace's ASCII members: \t \n \x0B \x0C \r and space.
        s.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' '))
    } else {
        s.chars().any(char::is_whitespace)
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::future::BoxFuture;

    use super::*;
    use crate::cache::fixtures;

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
        let ca = include_bytes!("../../tests/fixtures/app-cert.pem");
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

    /// A store that counts what the client asks of it.
    #[derive(Debug, Default)]
    struct Counting {
        store: crate::MemoryCache,
        gets: AtomicUsize,
        removes: AtomicUsize,
    }

    impl Counting {
        fn gets(&self) -> usize {
            self.gets.load(Ordering::SeqCst)
        }

        /// What another process sharing the store would do: put `secret`,
        /// valid for `lifetime` seconds from now.
        async fn put_from_elsewhere(&self, secret: &str, lifetime: u64) {
            let now = now_secs();
            let token = CachedToken {
                cached_at: now,
                expires_on: now + lifetime,
                extended_expires_on: now + lifetime,
                ..fixtures::token(secret)
            };
            self.store.put(&key(), &token).await.unwrap();
        }
    }

    impl TokenCache for Counting {
        fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>> {
            self.gets.fetch_add(1, Ordering::SeqCst);
            self.store.get(key)
        }
        fn put<'a>(
            &'a self,
            key: &'a CacheKey,
            token: &'a CachedToken,
        ) -> BoxFuture<'a, Result<()>> {
            self.store.put(key, token)
        }
        fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>> {
            self.removes.fetch_add(1, Ordering::SeqCst);
            self.store.remove(key)
        }
    }

    const AUTHORITY: &str = "https://127.0.0.1:1/t";
    const GRAPH: &str = "https://graph.microsoft.com/.default";
    const OTHER: &str = "api://other/.default";

    fn key() -> CacheKey {
        CacheKey::new(
            &Authority::parse(AUTHORITY).unwrap(),
            "client-1",
            &[GRAPH, OTHER],
        )
    }

    /// A client on `store` whose token service cannot be reached: every token
    /// these tests get comes from its copy or from the store.
    fn client_on(store: &Arc<Counting>) -> ConfidentialClient {
        builder(AUTHORITY).cache(store.clone()).build().unwrap()
    }

    #[tokio::test]
    async fn a_hit_is_served_without_asking_the_store() {
        let store = Arc::new(Counting::default());
        store.put_from_elsewhere("shared-token", 3600).await;
        let client = client_on(&store);
        let first = client.acquire_token(&[GRAPH, OTHER]).await.unwrap();
        assert!(first.from_cache());
        assert_eq!(store.gets(), 1);
        for scopes in [&[GRAPH, OTHER][..], &[OTHER, GRAPH], &[OTHER, GRAPH, OTHER]] {
            let hit = client.clone().acquire_token(scopes).await.unwrap();
            assert!(hit.from_cache());
            assert_eq!(hit.secret(), "shared-token");
            assert_eq!(hit.client_request_id(), None);
            assert_eq!(hit.expires_on(), first.expires_on());
        }
        assert_eq!(store.gets(), 1, "hits never reach the store");
        assert!(!format!("{first:?}").contains("shared-token"));
    }

    #[tokio::test]
    async fn forget_token_clears_the_copy_and_the_store_entry() {
        let store = Arc::new(Counting::default());
        store.put_from_elsewhere("refused-token", 3600).await;
        let client = client_on(&store);
        client.acquire_token(&[GRAPH, OTHER]).await.unwrap();
        client.forget_token(&[OTHER, GRAPH]).await.unwrap();
        assert_eq!(store.removes.load(Ordering::SeqCst), 1);
        assert!(store.store.is_empty());
        // Another process caches a new token: the next call reads the store.
        store.put_from_elsewhere("replacement-token", 3600).await;
        let next = client.acquire_token(&[GRAPH, OTHER]).await.unwrap();
        assert_eq!(next.secret(), "replacement-token");
        assert_eq!(store.gets(), 2);
    }

    #[tokio::test]
    async fn a_token_entering_the_expiry_margin_is_not_served_from_the_copy() {
        let store = Arc::new(Counting::default());
        // Servable now, inside the 5-minute margin two seconds from now.
        store.put_from_elsewhere("expiring-token", 302).await;
        let client = client_on(&store);
        assert_eq!(
            client
                .acquire_token(&[GRAPH, OTHER])
                .await
                .unwrap()
                .secret(),
            "expiring-token"
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        store.put_from_elsewhere("later-token", 3600).await;
        let next = client.acquire_token(&[GRAPH, OTHER]).await.unwrap();
        assert_eq!(next.secret(), "later-token");
        assert_eq!(store.gets(), 2);
    }

    #[tokio::test]
    async fn a_token_another_client_stored_is_picked_up_on_a_miss() {
        let store = Arc::new(Counting::default());
        let (one, two) = (client_on(&store), client_on(&store));
        store.put_from_elsewhere("from-elsewhere", 3600).await;
        assert_eq!(
            one.acquire_token(&[GRAPH, OTHER]).await.unwrap().secret(),
            "from-elsewhere"
        );
        let token = two.acquire_token(&[OTHER, GRAPH]).await.unwrap();
        assert_eq!(token.secret(), "from-elsewhere");
        assert!(token.from_cache());
        assert_eq!(store.gets(), 2, "each client reads the store once");
    }

    #[test]
    fn whitespace_in_scopes_is_found_by_bytes_and_by_chars() {
        assert!(!has_whitespace("https://graph.microsoft.com/.default"));
        for bad in ["a b", "a\tb", "a\x0Bb", "a\rb", "a\u{a0}b", "é\u{2003}"] {
            assert!(has_whitespace(bad), "{bad:?}");
        }
        assert!(!has_whitespace("api://é/.default"));
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
