//! [`ConfidentialClient`]: a token request per the client-credentials flow,
//! run through the shared [`Engine`] (its own copy first, then the store; one
//! request per key; proactive refresh).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::{BoxFuture, FutureExt as _};

use crate::cache::CachedToken;
use crate::discovery::Endpoints;
use crate::engine::{Engine, Fetch};
use crate::known_endpoints::{KnownEndpoints, says_metadata_is_wrong};
use crate::token_request::{Received, TokenRequest};
use crate::{AccessToken, Authority, Credential, HttpClient, Result};

/// A daemon's client for the client-credentials flow (MSAL's
/// `ConfidentialClientApplication` + `acquire_token_for_client`).
///
/// Cheap to clone: clones share the HTTP client, the discovered metadata, the
/// cache, the copy of the last tokens and the in-flight requests.
#[derive(Clone)]
pub struct ConfidentialClient {
    pub(super) engine: Engine<Requester>,
}

/// What the engine asks for a token: discovery, then the token request.
pub(crate) struct Requester {
    pub(super) client_id: String,
    pub(super) authority: Authority,
    pub(super) credential: Credential,
    /// Its transport and retry policy, lent to entrad-graph too.
    pub(super) http: HttpClient,
    /// The token endpoint: this process's copy, the store's, or discovered.
    pub(super) endpoints: KnownEndpoints,
    /// Client capabilities declared in every token request (`cp1`).
    pub(super) capabilities: Vec<String>,
    /// Attempts repeated after a busy answer or a network failure (discovery
    /// and token), shared with background discoveries.
    pub(super) retries: Arc<AtomicU64>,
}

impl ConfidentialClient {
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
        self.engine.acquire(scopes).await
    }

    /// A new token for `scopes` that satisfies `claims`, a claims challenge
    /// (decoded JSON, e.g. `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`
    /// from Graph's 401 `WWW-Authenticate: Bearer error="insufficient_claims", claims="<base64>"`):
    /// MSAL's `acquire_token_for_client(scopes, claims_challenge=...)`.
    ///
    /// The cached token is bypassed: the request carries the claims, merged
    /// with the [client capabilities](crate::ClientBuilder::client_capabilities). The
    /// new token replaces the cached one in this client's copy and in the
    /// store (memory, file, Redis), so that other processes sharing the store
    /// find it. Concurrent callers with the same scopes and claims share one
    /// request. One exception spares a request: when the challenge only asks
    /// for a token issued after a time (`access_token.nbf`, what continuous
    /// access evaluation sends) and the store holds a token obtained since,
    /// other than the one this client was using, another process has already
    /// answered the same challenge, and its token is returned.
    ///
    /// Fails with a configuration error when `claims` is not a JSON object.
    pub async fn acquire_token_with_claims(
        &self,
        scopes: &[&str],
        claims: &str,
    ) -> Result<AccessToken> {
        self.engine.acquire_with_claims(scopes, claims).await
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
        self.engine.forget(scopes).await
    }

    /// How many requests to the token service (discovery included) this client
    /// and its clones repeated after a 429/5xx or a network failure: a measure
    /// of how hard the service pushed back.
    pub fn retries(&self) -> u64 {
        self.engine.fetcher().retries.load(Ordering::Relaxed)
    }

    /// How many tokens this client and its clones asked the token service
    /// for (a retried request counts once; cache hits never count): what a
    /// shared cache saves shows here.
    pub fn token_requests(&self) -> u64 {
        self.engine.requests()
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.engine.fetcher().client_id
    }

    /// The authority tokens come from.
    pub fn authority(&self) -> &Authority {
        &self.engine.fetcher().authority
    }

    /// The kind of credential the client presents ("client secret", …).
    pub(crate) fn credential_name(&self) -> &'static str {
        self.engine.fetcher().credential.kind_name()
    }

    /// The HTTP client token requests go through (its CAs, time limits and
    /// retry policy, same-origin redirects only): entrad-graph sends the
    /// Graph requests carrying this client's tokens through it, on the same
    /// connection pool.
    pub fn http_client(&self) -> &HttpClient {
        &self.engine.fetcher().http
    }
}

impl Fetch for Requester {
    fn fetch<'a>(
        &'a self,
        scopes: &'a [String],
        claims: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(CachedToken, Option<String>)>> {
        async move {
            let (mut token, client_request_id) = self.request(scopes, claims).await?;
            token.credential = self.credential();
            Ok((token, Some(client_request_id)))
        }
        .boxed()
    }

    fn who(&self) -> &str {
        &self.client_id
    }

    fn credential(&self) -> Option<String> {
        self.credential.fingerprint(&self.client_id)
    }
}

impl Requester {
    /// One token request; `challenge` is a claims challenge to satisfy.
    async fn request(
        &self,
        scopes: &[String],
        challenge: Option<&str>,
    ) -> Result<(CachedToken, String)> {
        let claims = crate::claims::merge(&self.capabilities, challenge)?;
        let found = self.endpoints.get().await?;
        let sent = self.send(&found.endpoints, scopes, claims.as_deref()).await;
        let received = match sent {
            Err(e) if !found.just_discovered && says_metadata_is_wrong(&e) => {
                // Kept metadata may have gone stale (a tenant moved, an
                // endpoint changed): throw it away and ask once more.
                tracing::info!(token_endpoint = %found.endpoints.token_endpoint, error = %e, "the token endpoint says the kept metadata is wrong: discovering it again");
                let fresh = self.endpoints.rediscover(&found.endpoints).await?;
                self.send(&fresh.endpoints, scopes, claims.as_deref())
                    .await?
            }
            other => other?,
        };
        Ok((received.token, received.client_request_id))
    }

    async fn send(
        &self,
        endpoints: &Endpoints,
        scopes: &[String],
        claims: Option<&str>,
    ) -> Result<Received> {
        TokenRequest {
            http: &self.http,
            retries: &self.retries,
            token_endpoint: &endpoints.token_endpoint,
            client_id: &self.client_id,
            scopes,
            credential: &self.credential,
            claims,
        }
        .send()
        .await
    }
}

impl fmt::Debug for ConfidentialClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let requester = self.engine.fetcher();
        f.debug_struct("ConfidentialClient")
            .field("client_id", &requester.client_id)
            .field("authority", &requester.authority)
            .field("credential", &requester.credential)
            .field("retry", &requester.http.retry_policy())
            .field("capabilities", &requester.capabilities)
            .field("cache", self.engine.cache())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use std::time::Duration;

    use futures_util::future::BoxFuture;

    use super::*;
    use crate::cache::{CacheKey, TokenCache, fixtures};
    use crate::clock::now_secs;
    use crate::{ClientBuilder, HttpOptions};

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
            .http(HttpOptions::new().with_ca_file(dir.path().join("missing.pem")))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("cannot read the CA file"), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "nothing here").unwrap();
        let e = builder("https://127.0.0.1:1/t")
            .http(HttpOptions::new().with_ca_file(&empty))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
        let ca = include_bytes!("../../tests/fixtures/app-cert.pem");
        assert!(
            builder("https://127.0.0.1:1/t")
                .http(HttpOptions::new().with_root_certificate_pem(ca))
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
    fn debug_shows_no_secret() {
        let client = builder("https://127.0.0.1:1/t").build().unwrap();
        let text = format!("{client:?}");
        assert!(!text.contains("builder-test-secret"));
        assert!(text.contains("client-1"));
        assert!(!format!("{:?}", builder("https://127.0.0.1:1/t")).contains("builder-test-secret"));
    }
}
