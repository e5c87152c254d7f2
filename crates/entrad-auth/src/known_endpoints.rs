//! The token endpoint as discovered, kept in the process and in the token
//! store beside the tokens, so that a process whose store was used before
//! asks the token endpoint straight away: one request for a cold token, not
//! three (instance discovery, OpenID metadata, token).
//!
//! MSAL Python's `http_cache` is the precedent (discovery replies kept 24
//! hours in a persisted dict). Here a document is fresh for 24 hours; after
//! that it is still used while one background discovery per process replaces
//! it; past [`METADATA_KEPT_FOR_SECS`] it counts as missing. When the token
//! endpoint answers in a way that says the metadata is wrong (see
//! [`says_metadata_is_wrong`]), the client throws the document away at once
//! and asks again with a fresh discovery.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};
use url::Url;

use crate::cache::{CachedMetadata, METADATA_KEPT_FOR_SECS, TokenCache};
use crate::clock::now_secs;
use crate::discovery::{Discovery, Endpoints};
use crate::{Authority, Error, HttpClient, Result};

/// How long discovered metadata is used without asking again (MSAL's
/// `http_cache` keeps discovery replies as long).
pub(crate) const FRESH_FOR_SECS: u64 = 24 * 3600;

/// A document dated this far in the future (a clock set back, or a store
/// written by a machine whose clock is ahead) is not trusted to be fresh.
const CLOCK_SKEW_SECS: u64 = 300;

/// The AADSTS codes that say the authority or its metadata is not what the
/// cached document names: 50049 (unknown or invalid instance), 90002
/// (tenant not found), 900023 (the tenant identifier is not a valid one).
const WRONG_METADATA_CODES: &[u32] = &[50049, 90002, 900023];

/// The token endpoint of one authority: this process's copy, the store's,
/// else discovery. Cheap to share between clones of a client.
pub(crate) struct KnownEndpoints {
    shared: Arc<Shared>,
}

struct Shared {
    http: HttpClient,
    retries: Arc<AtomicU64>,
    authority: Authority,
    instance_discovery: bool,
    allow_insecure_loopback: bool,
    cache: Arc<dyn TokenCache>,
    /// The document's name in the store.
    name: String,
    current: Mutex<Option<Known>>,
    /// One discovery at a time in this process.
    discovering: tokio::sync::Mutex<()>,
    /// Set while a background discovery runs.
    refreshing: AtomicBool,
}

#[derive(Clone)]
struct Known {
    endpoints: Arc<Endpoints>,
    fetched_at: u64,
}

/// The endpoints to use, and whether this call discovered them (then a
/// refusal that blames the metadata is not worth a second discovery).
pub(crate) struct Found {
    pub(crate) endpoints: Arc<Endpoints>,
    pub(crate) just_discovered: bool,
}

/// What a client's endpoints need to know.
pub(crate) struct Setup {
    pub(crate) http: HttpClient,
    pub(crate) retries: Arc<AtomicU64>,
    pub(crate) authority: Authority,
    pub(crate) instance_discovery: bool,
    pub(crate) allow_insecure_loopback: bool,
    pub(crate) cache: Arc<dyn TokenCache>,
}

impl KnownEndpoints {
    /// Nothing known yet; no I/O happens here.
    pub(crate) fn new(setup: Setup) -> KnownEndpoints {
        let name = document_name(&setup.authority, setup.instance_discovery);
        KnownEndpoints {
            shared: Arc::new(Shared {
                http: setup.http,
                retries: setup.retries,
                authority: setup.authority,
                instance_discovery: setup.instance_discovery,
                allow_insecure_loopback: setup.allow_insecure_loopback,
                cache: setup.cache,
                name,
                current: Mutex::new(None),
                discovering: tokio::sync::Mutex::new(()),
                refreshing: AtomicBool::new(false),
            }),
        }
    }

    /// The endpoints: this process's copy, else the store's document, else
    /// discovery (whose result goes to the store). A document past its
    /// freshness is used while a background discovery replaces it.
    pub(crate) async fn get(&self) -> Result<Found> {
        if let Some(known) = self.shared.current() {
            return Ok(self.found(known));
        }
        let _one_at_a_time = self.shared.discovering.lock().await;
        if let Some(known) = self.shared.current() {
            return Ok(self.found(known));
        }
        if let Some(known) = self.shared.stored().await {
            self.shared.set(Some(known.clone()));
            return Ok(self.found(known));
        }
        let known = self.shared.discover().await?;
        Ok(Found {
            endpoints: known.endpoints,
            just_discovered: true,
        })
    }

    /// The token endpoint answered in a way that says `wrong` is wrong:
    /// forgets it here and in the store (unless a newer document replaced
    /// it), then discovers afresh.
    pub(crate) async fn rediscover(&self, wrong: &Arc<Endpoints>) -> Result<Found> {
        let _one_at_a_time = self.shared.discovering.lock().await;
        if let Some(known) = self.shared.current()
            && !Arc::ptr_eq(&known.endpoints, wrong)
        {
            // Another caller already replaced it while this one waited.
            return Ok(Found {
                endpoints: known.endpoints,
                just_discovered: false,
            });
        }
        self.shared.set(None);
        self.shared.forget_stored(wrong).await;
        let known = self.shared.discover().await?;
        Ok(Found {
            endpoints: known.endpoints,
            just_discovered: true,
        })
    }

    fn found(&self, known: Known) -> Found {
        if now_secs().saturating_sub(known.fetched_at) >= FRESH_FOR_SECS {
            self.refresh_in_background();
        }
        Found {
            endpoints: known.endpoints,
            just_discovered: false,
        }
    }

    /// One background discovery at a time; a failure keeps the old document.
    fn refresh_in_background(&self) {
        if self.shared.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::clone(&self.shared);
        tracing::debug!(authority = %shared.authority, "the discovered metadata is over 24 hours old: discovering again in the background");
        tokio::spawn(async move {
            let _one_at_a_time = shared.discovering.lock().await;
            if let Err(e) = shared.discover().await {
                tracing::warn!(authority = %shared.authority, error = %e, "discovering the authority's metadata again failed; using what was discovered before");
            }
            shared.refreshing.store(false, Ordering::Release);
        });
    }
}

impl Shared {
    fn current(&self) -> Option<Known> {
        self.slot().clone()
    }

    fn set(&self, known: Option<Known>) {
        *self.slot() = known;
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Known>> {
        // A single assignment cannot be left half done by a panic.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn discovery(&self) -> Discovery<'_> {
        Discovery {
            http: &self.http,
            retries: &self.retries,
            instance_discovery: self.instance_discovery,
            allow_insecure_loopback: self.allow_insecure_loopback,
        }
    }

    /// Discovers, keeps the result here and puts it in the store.
    async fn discover(&self) -> Result<Known> {
        let endpoints = self.discovery().endpoints(&self.authority).await?;
        let known = Known {
            endpoints: Arc::new(endpoints),
            fetched_at: now_secs(),
        };
        self.set(Some(known.clone()));
        if self.storable(&known.endpoints.token_endpoint) {
            let metadata = CachedMetadata {
                document: document(&known.endpoints),
                fetched_at: known.fetched_at,
            };
            if let Err(e) = self.cache.put_metadata(&self.name, &metadata).await {
                tracing::warn!(error = %e, "could not store the authority's metadata in the token cache");
            }
        }
        Ok(known)
    }

    /// The store's document, when it is one this client may use: readable,
    /// not too old, not from the future, and naming a token endpoint that
    /// passes the checks a discovered one does and is on the authority's own
    /// origin (a store others can write must not be able to send the
    /// credential to another host).
    async fn stored(&self) -> Option<Known> {
        let metadata = match self.cache.get_metadata(&self.name).await {
            Ok(found) => found?,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the authority's metadata from the token cache; discovering it");
                return None;
            }
        };
        let now = now_secs();
        if metadata.fetched_at > now + CLOCK_SKEW_SECS
            || now.saturating_sub(metadata.fetched_at) >= METADATA_KEPT_FOR_SECS
        {
            tracing::debug!(
                fetched_at = metadata.fetched_at,
                "the cached metadata is too old (or from the future): discovering it"
            );
            return None;
        }
        let endpoints = match self.read_document(&metadata.document) {
            Ok(endpoints) => endpoints,
            Err(e) => {
                tracing::debug!(error = %e, "the cached metadata is not usable: discovering it");
                return None;
            }
        };
        tracing::debug!(token_endpoint = %endpoints.token_endpoint, fetched_at = metadata.fetched_at, "token endpoint from the token cache");
        Some(Known {
            endpoints: Arc::new(endpoints),
            fetched_at: metadata.fetched_at,
        })
    }

    fn read_document(&self, document: &str) -> Result<Endpoints> {
        let json: Value = serde_json::from_str(document)
            .map_err(|_| Error::Discovery("the cached document is not JSON".into()))?;
        let value = json
            .get("token_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Discovery("the cached document has no token_endpoint".into()))?;
        let token_endpoint = self.discovery().checked_url(value, "token_endpoint")?;
        if !self.storable(&token_endpoint) {
            return Err(Error::Discovery(format!(
                "the cached token_endpoint {token_endpoint} is not on the authority's origin"
            )));
        }
        Ok(Endpoints { token_endpoint })
    }

    /// Only a token endpoint on the authority's own origin is stored and read.
    fn storable(&self, token_endpoint: &Url) -> bool {
        token_endpoint.origin() == self.authority.url().origin()
    }

    /// Removes the store's document if it still names `wrong`'s endpoint.
    async fn forget_stored(&self, wrong: &Endpoints) {
        let names_it = match self.cache.get_metadata(&self.name).await {
            Ok(Some(metadata)) => self
                .read_document(&metadata.document)
                .is_ok_and(|e| e.token_endpoint == wrong.token_endpoint),
            Ok(None) => false,
            Err(_) => true,
        };
        if names_it && let Err(e) = self.cache.remove_metadata(&self.name).await {
            tracing::warn!(error = %e, "could not remove the wrong metadata from the token cache");
        }
    }
}

/// The store's name of an authority's document: its URL, and whether
/// instance discovery was asked (it can name another metadata URL).
fn document_name(authority: &Authority, instance_discovery: bool) -> String {
    let how = if instance_discovery && authority.instance_discovery_url().is_some() {
        "instance-discovery"
    } else {
        "openid-configuration"
    };
    format!("{} {how}", authority.url())
}

fn document(endpoints: &Endpoints) -> String {
    json!({ "token_endpoint": endpoints.token_endpoint.as_str() }).to_string()
}

/// True when the token endpoint's answer says the metadata it came from is
/// wrong: a 404 (no such endpoint), or an AADSTS code naming an unknown
/// instance or tenant.
pub(crate) fn says_metadata_is_wrong(error: &Error) -> bool {
    match error {
        Error::Service { error, .. } => {
            error.status == 404
                || error
                    .error_codes
                    .iter()
                    .chain(error.aadsts_code().as_ref())
                    .any(|code| WRONG_METADATA_CODES.contains(code))
        }
        Error::UnexpectedResponse { status, .. } => *status == 404,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceError;
    use crate::cache::MemoryCache;

    fn endpoints_for(authority: &str, cache: Arc<dyn TokenCache>) -> KnownEndpoints {
        KnownEndpoints::new(Setup {
            http: HttpClient::new(
                &crate::HttpOptions::default().with_retry_policy(crate::RetryPolicy::none()),
            )
            .unwrap(),
            retries: Arc::new(AtomicU64::new(0)),
            authority: Authority::parse(authority).unwrap(),
            instance_discovery: true,
            allow_insecure_loopback: false,
            cache,
        })
    }

    fn metadata(token_endpoint: &str, fetched_at: u64) -> CachedMetadata {
        CachedMetadata {
            document: json!({ "token_endpoint": token_endpoint }).to_string(),
            fetched_at,
        }
    }

    const AUTHORITY: &str = "https://127.0.0.1:1/tenant";

    #[tokio::test]
    async fn a_stored_document_is_used_without_a_request() {
        let cache = Arc::new(MemoryCache::new());
        let known = endpoints_for(AUTHORITY, cache.clone());
        let name = &known.shared.name;
        assert_eq!(name, "https://127.0.0.1:1/tenant instance-discovery");
        let endpoint = "https://127.0.0.1:1/tenant/oauth2/v2.0/token";
        cache
            .put_metadata(name, &metadata(endpoint, now_secs() - 60))
            .await
            .unwrap();
        // Nothing listens on port 1: a request would fail.
        let found = known.get().await.unwrap();
        assert_eq!(found.endpoints.token_endpoint.as_str(), endpoint);
        assert!(!found.just_discovered);
        assert!(!known.shared.refreshing.load(Ordering::Acquire));
    }

    #[tokio::test]
    async fn documents_that_cannot_be_trusted_are_not_used() {
        let now = now_secs();
        for (endpoint, fetched_at) in [
            // Another host: the credential must not go there.
            ("https://evil.example/tenant/oauth2/v2.0/token", now),
            // Another port of the same host.
            ("https://127.0.0.1:2/tenant/oauth2/v2.0/token", now),
            // Plain http without allow_insecure_loopback.
            ("http://127.0.0.1:1/tenant/oauth2/v2.0/token", now),
            ("not a url", now),
            // Too old, or from the future.
            (
                "https://127.0.0.1:1/tenant/oauth2/v2.0/token",
                now - METADATA_KEPT_FOR_SECS,
            ),
            ("https://127.0.0.1:1/tenant/oauth2/v2.0/token", now + 3600),
        ] {
            let cache = Arc::new(MemoryCache::new());
            let known = endpoints_for(AUTHORITY, cache.clone());
            cache
                .put_metadata(&known.shared.name, &metadata(endpoint, fetched_at))
                .await
                .unwrap();
            let e = known.get().await.err();
            assert!(
                e.is_some(),
                "{endpoint} at {fetched_at}: used instead of discovering"
            );
        }
    }

    #[tokio::test]
    async fn a_stale_document_is_used_while_discovered_again_in_the_background() {
        let cache = Arc::new(MemoryCache::new());
        let known = endpoints_for(AUTHORITY, cache.clone());
        let endpoint = "https://127.0.0.1:1/tenant/oauth2/v2.0/token";
        cache
            .put_metadata(
                &known.shared.name,
                &metadata(endpoint, now_secs() - FRESH_FOR_SECS - 1),
            )
            .await
            .unwrap();
        let stale = cache.get_metadata(&known.shared.name).await.unwrap();
        let found = known.get().await.unwrap();
        assert_eq!(found.endpoints.token_endpoint.as_str(), endpoint);
        assert!(known.shared.refreshing.load(Ordering::Acquire), "started");
        // A second use while it runs starts no other.
        assert!(!known.get().await.unwrap().just_discovered);
        while known.shared.refreshing.load(Ordering::Acquire) {
            tokio::task::yield_now().await;
        }
        // It failed (nothing listens): the document stays, in the store and here.
        assert_eq!(cache.get_metadata(&known.shared.name).await.unwrap(), stale);
        assert_eq!(
            known.get().await.unwrap().endpoints.token_endpoint.as_str(),
            endpoint
        );
    }

    #[test]
    fn documents_of_instance_discovery_and_of_the_metadata_url_differ() {
        let a = Authority::parse(AUTHORITY).unwrap();
        assert_ne!(document_name(&a, true), document_name(&a, false));
        let known = Authority::parse("https://login.microsoftonline.com/t").unwrap();
        assert_eq!(document_name(&known, true), document_name(&known, false));
    }

    fn service(status: u16, codes: &[u32]) -> Error {
        Error::Service {
            error: Box::new(ServiceError {
                status,
                error: "invalid_request".into(),
                error_description: String::new(),
                error_codes: codes.to_vec(),
                correlation_id: None,
                trace_id: None,
            }),
            client_request_id: None,
        }
    }

    #[test]
    fn which_refusals_blame_the_metadata() {
        assert!(says_metadata_is_wrong(&service(400, &[90002])));
        assert!(says_metadata_is_wrong(&service(400, &[50049])));
        assert!(says_metadata_is_wrong(&service(404, &[])));
        assert!(!says_metadata_is_wrong(&service(401, &[7000215])));
        assert!(!says_metadata_is_wrong(&service(400, &[700016])));
        assert!(says_metadata_is_wrong(&Error::UnexpectedResponse {
            status: 404,
            message: String::new(),
            client_request_id: None,
        }));
        assert!(!says_metadata_is_wrong(&Error::UnexpectedResponse {
            status: 500,
            message: String::new(),
            client_request_id: None,
        }));
    }
}
