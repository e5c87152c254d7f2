//! The token engine every token source runs through: the source's own copy
//! of its last token per scope set first, then the store; one request per
//! key in flight; proactive refresh at `refresh_on`. A source only says how
//! to obtain a token ([`Fetch`]); caching is the engine's.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::{BoxFuture, FutureExt as _};
use secrecy::ExposeSecret as _;

use crate::cache::{CacheKey, CacheLock, CachedToken, TokenCache};
use crate::clock::{now_secs, system_time};
use crate::hot::{HotTokens, Times};
use crate::refresh::{self, Freshness, RefreshPause};
use crate::single_flight::SingleFlight;
use crate::token::Bearer;
use crate::token_body;
use crate::{AccessToken, Error, Result};

/// How a token source obtains a token when the cache cannot serve one.
pub(crate) trait Fetch: Send + Sync + 'static {
    /// Requests a token for `scopes` (already checked), satisfying `claims`
    /// (a claims challenge, JSON) when given and the source can send it.
    /// Returns it with the request id when the source sends one.
    fn fetch<'a>(
        &'a self,
        scopes: &'a [String],
        claims: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(CachedToken, Option<String>)>>;

    /// Who asks, for log lines (a client id, or a managed identity).
    fn who(&self) -> &str;

    /// The fingerprint of the credential a request would present now (see
    /// [`CachedToken::credential`]); `None` when it has none (the default).
    fn credential(&self) -> Option<String> {
        None
    }
}

/// The cache, single-flight and refresh machinery around one [`Fetch`].
/// Cheap to clone: clones share everything.
pub(crate) struct Engine<F> {
    inner: Arc<Inner<F>>,
}

impl<F> Clone for Engine<F> {
    fn clone(&self) -> Self {
        Engine {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<F> {
    fetch: F,
    cache: Arc<dyn TokenCache>,
    /// Every key's parts but the target, derived once.
    key_parts: CacheKey,
    /// The last token per scope set, served before the store is asked.
    hot: HotTokens,
    flights: SingleFlight<CacheKey, Result<AccessToken>>,
    /// Requests answering a claims challenge, one per key and claims.
    claims_flights: SingleFlight<(CacheKey, String), Result<AccessToken>>,
    refresh_pause: RefreshPause,
    /// Tokens requested from the source (cache hits never count).
    requests: AtomicU64,
}

/// Why a flight runs: it decides which cached token makes the request unnecessary.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Nothing usable was cached: any servable token will do.
    Miss,
    /// The cached token is due for refresh: only one not yet due will do.
    Refresh,
}

impl<F: Fetch> Engine<F> {
    /// An engine for `fetch`, keeping tokens in `cache` under `key_parts`
    /// (its target is replaced by each request's scopes).
    pub(crate) fn new(fetch: F, cache: Arc<dyn TokenCache>, key_parts: CacheKey) -> Self {
        Engine {
            inner: Arc::new(Inner {
                fetch,
                cache,
                key_parts,
                hot: HotTokens::default(),
                flights: SingleFlight::new(),
                claims_flights: SingleFlight::new(),
                refresh_pause: RefreshPause::default(),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The source.
    pub(crate) fn fetcher(&self) -> &F {
        &self.inner.fetch
    }

    /// How many tokens were requested from the source (a retried request
    /// counts once; cache hits never count): what a shared cache saves.
    pub(crate) fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The store.
    pub(crate) fn cache(&self) -> &Arc<dyn TokenCache> {
        &self.inner.cache
    }

    /// A token for `scopes`: the copy, else the store, else one request
    /// shared by all callers.
    pub(crate) async fn acquire(&self, scopes: &[&str]) -> Result<AccessToken> {
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

    /// A token for `scopes` that satisfies `claims`, a claims challenge (the
    /// resource refused the cached token): requested anew with the claims,
    /// whatever is cached, and replacing the cached one; one request per
    /// scopes and claims in flight. One exception spares a request: when the
    /// challenge only asks for a token issued after a time (`access_token.nbf`,
    /// what continuous access evaluation sends) and the store holds a token
    /// obtained since, other than the one this source was using, another
    /// process has already answered the same challenge, and its token is
    /// returned.
    pub(crate) async fn acquire_with_claims(
        &self,
        scopes: &[&str],
        claims: &str,
    ) -> Result<AccessToken> {
        check_scopes(scopes)?;
        let issued_after = crate::claims::required_issue_time(&crate::claims::parse(claims)?);
        let key = self.inner.key_parts.for_scopes(scopes);
        let refused = self
            .inner
            .hot
            .get(scopes, now_secs())
            .map(|hit| hit.token.bearer);
        tracing::info!(who = %self.inner.fetch.who(), scope = %key.target, "requesting a token for a claims challenge");
        let inner = Arc::clone(&self.inner);
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let claims = claims.to_owned();
        let flight_key = (key.clone(), claims.clone());
        self.inner
            .claims_flights
            .join(
                &flight_key,
                move || {
                    async move {
                        inner
                            .fly_with_claims(key, scopes, claims, issued_after, refused)
                            .await
                    }
                    .boxed()
                },
                |e| Err(Error::TokenTask(crate::Cause::new(e))),
            )
            .await
    }

    /// Drops the token cached for `scopes` from the copy and the store.
    pub(crate) async fn forget(&self, scopes: &[&str]) -> Result<()> {
        check_scopes(scopes)?;
        let key = self.inner.key_parts.for_scopes(scopes);
        tracing::debug!(who = %self.inner.fetch.who(), scope = %key.target, "forgetting the cached token");
        let removed = self.inner.cache.remove(&key).await;
        // After the store: a lookup that read the entry before it went cannot
        // keep it (forgetting moves the copy's epoch on).
        self.inner.hot.forget(&key);
        removed
    }

    /// Starts one background refresh for `key`, unless one failed lately.
    /// Past `refresh_on` every hit comes here; the single-flight makes the
    /// hits while the refresh runs join it instead of starting another.
    fn refresh_in_background(&self, key: CacheKey, scopes: &[&str]) {
        if self.inner.refresh_pause.allows(&key) {
            tracing::debug!(who = %self.inner.fetch.who(), scope = %key.target, "token due for refresh, refreshing in the background");
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

impl<F: Fetch> Inner<F> {
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
                None => {
                    self.request_and_store(epoch, &key, &scopes, purpose, None)
                        .await
                }
            },
            None => {
                self.request_and_store(epoch, &key, &scopes, purpose, None)
                    .await
            }
        };
        release(lock).await;
        result
    }

    /// Answers a claims challenge: under the store's lock, a token another
    /// process obtained after `issued_after` (not the one `refused`), else a
    /// request with the claims, whose token replaces the cached one.
    async fn fly_with_claims(
        self: Arc<Self>,
        key: CacheKey,
        scopes: Vec<String>,
        claims: String,
        issued_after: Option<u64>,
        refused: Option<Arc<Bearer>>,
    ) -> Result<AccessToken> {
        let epoch = self.hot.epoch();
        let lock = self.cross_process_lock(&key).await;
        let answered = match issued_after {
            Some(after) => self.cached(&key).await.filter(|cached| {
                cached.cached_at >= after
                    && refresh::freshness(cached, now_secs()) != Freshness::Spent
                    && refused
                        .as_ref()
                        .is_none_or(|r| r.secret.expose_secret() != cached.secret.expose_secret())
            }),
            None => None,
        };
        let result = match answered {
            Some(cached) => {
                tracing::info!(who = %self.fetch.who(), scope = %key.target, "the store holds a token issued since the claims challenge's time; using it");
                Ok(self.keep(epoch, &key, cached, None))
            }
            None => {
                self.request_and_store(epoch, &key, &scopes, Purpose::Miss, Some(&claims))
                    .await
            }
        };
        release(lock).await;
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
        claims: Option<&str>,
    ) -> Result<AccessToken> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.fetch.fetch(scopes, claims).await;
        match (&result, purpose) {
            (Ok(_), _) => self.refresh_pause.succeeded(key),
            (Err(e), Purpose::Refresh) => {
                tracing::warn!(who = %self.fetch.who(), scope = %key.target, error = %e, "background token refresh failed; serving the cached token");
                self.refresh_pause.failed(key);
            }
            (Err(_), Purpose::Miss) => {}
        }
        let (token, request_id) = result?;
        if let Err(e) = self.cache.put(key, &token).await {
            tracing::warn!(error = %e, "could not store the token in the cache");
        }
        Ok(self.keep(epoch, key, token, Some(request_id)))
    }

    /// The token to hand out for `token`, which came from the store
    /// (`requested` is `None`) or from a request (with its request id, if
    /// any); kept in the copy too, unless `forget` ran since `epoch`.
    fn keep(
        &self,
        epoch: u64,
        key: &CacheKey,
        token: CachedToken,
        requested: Option<Option<String>>,
    ) -> AccessToken {
        let times = Times {
            cached_at: token.cached_at,
            expires_on: token.expires_on,
            refresh_on: token.refresh_on,
        };
        let access_token = AccessToken {
            bearer: Arc::new(Bearer {
                secret: token.secret,
                token_type: token.token_type,
                credential: token.credential,
            }),
            expires_on: system_time(times.expires_on),
            refresh_on: times.refresh_on.map(system_time),
            from_cache: requested.is_none(),
            client_request_id: requested.flatten(),
        };
        self.hot.fill(epoch, key, &access_token, times, now_secs());
        access_token
    }

    /// A failing store counts as a miss: the cache must never stop a daemon.
    async fn cached(&self, key: &CacheKey) -> Option<CachedToken> {
        match self.cache.get(key).await {
            // Whatever the store holds, it is served within the rules of a fresh token.
            Ok(found) => found
                .and_then(|token| token_body::stored(token, now_secs()))
                .filter(|token| !self.obtained_by_another_credential(key, token)),
            Err(e) => {
                tracing::warn!(error = %e, "token cache lookup failed; treating it as a miss");
                None
            }
        }
    }

    /// True when another credential than the one configured obtained
    /// `token` (a rotated secret mistyped, another certificate): it is not
    /// served, so that a token is requested with the configured credential,
    /// which then fails at once if it is wrong instead of when the cached
    /// token expires. A token that does not say (MSAL wrote it) is served.
    fn obtained_by_another_credential(&self, key: &CacheKey, token: &CachedToken) -> bool {
        let Some(theirs) = &token.credential else {
            return false;
        };
        match self.fetch.credential() {
            Some(ours) if ours != *theirs => {
                tracing::info!(who = %self.fetch.who(), scope = %key.target, cached = %theirs, configured = %ours, "the cached token was obtained with another credential: getting one with the configured credential");
                true
            }
            _ => false,
        }
    }
}

impl<F> fmt::Debug for Engine<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

/// Releases the store's lock, if one was taken; one that stays expires.
async fn release(lock: Option<CacheLock>) {
    if let Some(lock) = lock
        && let Err(e) = lock.release().await
    {
        tracing::debug!(error = %e, "could not release the token cache lock; it will expire");
    }
}

pub(crate) fn check_scopes(scopes: &[&str]) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_in_scopes_is_found_by_bytes_and_by_chars() {
        assert!(!has_whitespace("https://graph.microsoft.com/.default"));
        for bad in ["a b", "a\tb", "a\x0Bb", "a\rb", "a\u{a0}b", "é\u{2003}"] {
            assert!(has_whitespace(bad), "{bad:?}");
        }
        assert!(!has_whitespace("api://é/.default"));
    }
}
