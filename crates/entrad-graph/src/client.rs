//! The Graph client and its builder.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use entrad_auth::{HttpClient, HttpOptions, TokenSource};
use url::Url;

use crate::auth::GraphAuth;
use crate::error::{Error, Result};
use crate::origin::AllowedOrigins;

/// Graph's public-cloud base URL.
const DEFAULT_BASE_URL: &str = "https://graph.microsoft.com/";
/// The app-only scope for Graph.
const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Calls Microsoft Graph as the app: every request carries a bearer token
/// from its [`TokenSource`] (cheap when cached) and a fresh
/// `client-request-id`, and is retried on 429/503/504 honouring `Retry-After`
/// under its HTTP client's [retry policy](entrad_auth::RetryPolicy). A
/// response is read up to [`BodyLimit::GRAPH`](entrad_http::BodyLimit::GRAPH)
/// (64 MiB: a page of 999 users with every property is about 5 MB); a larger
/// one is an [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse)
/// whose cause names the limit and the host.
/// A cached token Graph refuses with 401 (revoked, or signed with keys the
/// service has replaced) is forgotten and the request sent once more with a
/// fresh token. A 401 claims challenge (`WWW-Authenticate: Bearer
/// error="insufficient_claims", claims="<base64>"`, sent to the tokens of
/// clients with the `cp1` capability when continuous access evaluation revokes
/// them) gets a token from [`TokenSource::acquire_token_with_claims`]
/// and the request is sent once more; a second challenge for the same request
/// is [`Error::ClaimsChallengeRepeated`](crate::Error::ClaimsChallengeRepeated).
///
/// The token only goes over https to the Graph hosts of the public and
/// national clouds (`graph.microsoft.com`, `graph.microsoft.us`,
/// `dod-graph.microsoft.us`, `microsoftgraph.chinacloudapi.cn`,
/// `canary.graph.microsoft.com`), the base URL's origin and the origins added
/// with [`GraphClientBuilder::allow_origin`]; any other URL is refused before
/// a request is made ([`Error::OriginNotAllowed`], [`Error::InsecureUrl`]).
/// A page's `@odata.nextLink`/`@odata.deltaLink` must stay on the page's
/// origin ([`Error::CrossOriginLink`]), and a chain of nextLinks that comes
/// back to a page is an error ([`Error::LinkCycle`]).
///
/// Cheap to clone: clones share the token client and the connection pool.
#[derive(Clone)]
pub struct GraphClient {
    pub(crate) auth: Arc<dyn TokenSource>,
    /// The transport and the retry policy.
    pub(crate) http: HttpClient,
    pub(crate) base_url: Url,
    pub(crate) scope: String,
    pub(crate) origins: Arc<AllowedOrigins>,
    /// Graph requests repeated after a 429/503/504 or a network failure, shared by clones.
    pub(crate) retries: Arc<AtomicU64>,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("source", &self.auth.source_name())
            .field("base_url", &self.base_url.as_str())
            .field("scope", &self.scope)
            .field("http", &self.http)
            .field("origins", &self.origins)
            .finish_non_exhaustive()
    }
}

/// Configures a [`GraphClient`].
#[derive(Debug)]
pub struct GraphClientBuilder {
    auth: GraphAuth,
    base_url: Option<Url>,
    scope: String,
    http: Option<HttpOptions>,
    extra_origins: Vec<Url>,
    allow_insecure_loopback: bool,
}

impl GraphClient {
    /// A builder using `auth` for tokens: a
    /// [`ConfidentialClient`](entrad_auth::ConfidentialClient), whose HTTP
    /// client (CAs, time limits, retry policy, connections) the Graph
    /// requests share unless [`GraphClientBuilder::http`] says otherwise, or
    /// any [`TokenSource`] through [`GraphAuth::new`].
    pub fn builder(auth: impl Into<GraphAuth>) -> GraphClientBuilder {
        GraphClientBuilder {
            auth: auth.into(),
            base_url: None,
            scope: DEFAULT_SCOPE.to_owned(),
            http: None,
            extra_origins: Vec::new(),
            allow_insecure_loopback: false,
        }
    }

    /// How many Graph requests this client and its clones repeated after a
    /// 429/503/504 or a network failure (token requests count in
    /// [`TokenSource::retries`]).
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// The base URL relative paths resolve against.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Acquires the token this client's requests carry (from the cache when
    /// one is servable), so that it can be obtained while the caller does
    /// other work, such as opening a database: the first request then finds
    /// it cached. Fails as that request would have.
    pub async fn prepare(&self) -> Result<()> {
        self.auth
            .acquire_token(&[self.scope.as_str()])
            .await
            .map(drop)
            .map_err(Into::into)
    }

    /// `https://...` is used verbatim (a nextLink must be); anything else is a
    /// path under the base URL, with or without its leading `/`.
    pub(crate) fn resolve(&self, path_or_url: &str) -> Result<Url> {
        let text = path_or_url.trim();
        let invalid = |reason: String| Error::InvalidUrl {
            url: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Err(invalid("empty path".to_owned()));
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return Url::parse(text).map_err(|e| invalid(e.to_string()));
        }
        if text.contains("://") {
            return Err(invalid("only http(s) URLs can be called".to_owned()));
        }
        self.base_url
            .join(text.trim_start_matches('/'))
            .map_err(|e| invalid(e.to_string()))
    }
}

impl GraphClientBuilder {
    /// Where relative paths go (default `https://graph.microsoft.com`; the
    /// emulator's URL in tests). Its origin is allowed to receive the token.
    pub fn base_url(mut self, url: Url) -> Self {
        self.base_url = Some(url);
        self
    }

    /// The scope tokens are requested for (default `https://graph.microsoft.com/.default`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// How the Graph requests talk HTTP: time limits, CAs trusted too, the
    /// retry policy of 429/503/504 and network failures. Default: the HTTP
    /// client of the [`ConfidentialClient`](entrad_auth::ConfidentialClient)
    /// the builder was given (token and Graph requests then share
    /// connections), else [`HttpOptions::default`]. Given, the Graph client
    /// builds an HTTP client of its own from `options`.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = Some(options);
        self
    }

    /// Also send the token to `url`'s origin (scheme, host and port), e.g.
    /// the quickstart's `endpoint` when the base URL is another one.
    pub fn allow_origin(mut self, url: Url) -> Self {
        self.extra_origins.push(url);
        self
    }

    /// Accept `http://` base and allowed origins on a loopback host
    /// (127.0.0.0/8, `::1`, `localhost`): for local test servers only.
    /// Default off: without it every `http://` URL is refused.
    pub fn allow_insecure_loopback(mut self, yes: bool) -> Self {
        self.allow_insecure_loopback = yes;
        self
    }

    /// The client: fails when an HTTP client must be built from options
    /// whose CA files cannot be used (no network I/O).
    pub fn build(self) -> Result<GraphClient> {
        let http = match (self.http, self.auth.http) {
            (Some(options), _) => HttpClient::new(&options).map_err(Error::http_setup)?,
            (None, Some(lent)) => lent,
            (None, None) => HttpClient::new(&HttpOptions::default()).map_err(Error::http_setup)?,
        };
        let mut base_url = match self.base_url {
            Some(url) => url,
            // A constant URL that parses; `Url` has no const constructor.
            None => Url::parse(DEFAULT_BASE_URL).map_err(|e| Error::InvalidUrl {
                url: DEFAULT_BASE_URL.to_owned(),
                reason: e.to_string(),
            })?,
        };
        // A base without a trailing slash would lose its last segment in `join`.
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        base_url.set_query(None);
        base_url.set_fragment(None);
        let origins = AllowedOrigins::new(
            std::iter::once(&base_url).chain(&self.extra_origins),
            self.allow_insecure_loopback,
        );
        Ok(GraphClient {
            origins: Arc::new(origins),
            http,
            auth: self.auth.source,
            base_url,
            scope: self.scope,
            retries: Arc::default(),
        })
    }
}
