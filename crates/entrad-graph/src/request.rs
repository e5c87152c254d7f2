//! One Graph request: token, ids, retries.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use entrad_auth::AccessToken;
use entrad_http::{Attempt, BodyLimit, Failed, Method, StatusSet};
use serde_json::Value;
use url::Url;

use crate::client::GraphClient;
use crate::error::{Error, GraphError, Result};
use crate::json_body::parse_json;
use crate::origin::Checked;
use crate::raw_page::RawBody;

/// Headers of a request besides the ones every request carries, e.g.
/// `ConsistencyLevel: eventual`.
pub(crate) type Headers = Vec<(Cow<'static, str>, String)>;

/// A 2xx answer: its status, headers (names in lower case) and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

/// One logical request, the same for all its attempts.
struct Call<'a> {
    method: Method,
    url: &'a Checked<'a>,
    headers: &'a Headers,
    body: Option<&'a Value>,
    /// One id for all attempts, so the service's logs tie the retries together.
    client_request_id: &'a str,
    /// A 503, a 504 or a lost answer is sent again ([`Retried::again`]).
    again: bool,
}

/// Which failures a request is sent again after.
#[derive(Clone, Copy)]
pub(crate) enum Retried {
    /// [`StatusSet::GRAPH`] and network failures: entrad's own requests,
    /// which only read (a `$batch` of GETs included).
    Always,
    /// As the method allows: idempotent ones as [`Retried::Always`], others
    /// (POST, PATCH) on 429 only, as a 5xx or a lost answer may follow a
    /// write that was applied.
    ByMethod,
}

impl Retried {
    fn again(self, method: Method) -> bool {
        matches!(self, Retried::Always) || method.is_idempotent()
    }
}

/// Why an attempt failed in a way that waiting may fix.
enum Transient {
    Graph(GraphError),
    Network(String),
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transient::Graph(e) => e.fmt(f),
            Transient::Network(message) => f.write_str(message),
        }
    }
}

/// What one attempt came to, in the terms of the retry loop.
type Outcome = Attempt<Result<Answer>, Transient>;

/// What one send came to: an outcome, or a claims challenge to answer.
enum Sent {
    Outcome(Outcome),
    /// Graph's 401 claims challenge: its decoded claims and the refusal.
    Challenge {
        claims: String,
        refused: Box<GraphError>,
    },
}

/// The token renewals one logical request (all its attempts) may make, once each.
#[derive(Default)]
struct Renewals {
    /// A cached token Graph refused with 401 was replaced.
    refused_token: AtomicBool,
    /// A claims challenge was answered with a token obtained with its claims.
    claims_challenge: AtomicBool,
}

impl GraphClient {
    /// Sends `method url` until it succeeds, fails for good, or the retry
    /// policy gives up; returns the response body. Every request that
    /// carries the token starts here, so `url` is checked against the
    /// allowed origins here, before a token is even asked for.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: &Url,
        headers: &Headers,
        body: Option<&Value>,
    ) -> Result<Bytes> {
        self.execute_answer(method, url, headers, body, Retried::Always)
            .await
            .map(|answer| answer.body)
    }

    /// [`GraphClient::execute`], with the whole answer, retried as `retried` says.
    pub(crate) async fn execute_answer(
        &self,
        method: Method,
        url: &Url,
        headers: &Headers,
        body: Option<&Value>,
        retried: Retried,
    ) -> Result<Answer> {
        let url = self.origins.check(url)?;
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let call = Call {
            method,
            url: &url,
            headers,
            body,
            client_request_id: &client_request_id,
            again: retried.again(method),
        };
        let call = &call;
        let renewals = Renewals::default();
        let renewals = &renewals;
        let what = format!("Graph {method} {}", url.url());
        let policy = self.http.retry_policy();
        let outcome = entrad_http::run(&policy, &self.retries, &what, move || async move {
            self.attempt(call, renewals).await
        })
        .await;
        match outcome {
            Ok(done) => done,
            Err(Failed {
                failure: Transient::Graph(last),
                attempts,
            }) => Err(Error::Exhausted {
                attempts,
                last: Box::new(last),
            }),
            Err(Failed {
                failure: Transient::Network(message),
                attempts,
            }) => Err(Error::Network { message, attempts }),
        }
    }

    /// One attempt: done (a body, or a failure retrying cannot fix), or transient.
    ///
    /// A cached token can be refused before its expiry (revoked, or signed
    /// with keys the service no longer has): on a 401 to a token from the
    /// cache, the token is forgotten and the request sent again with a fresh
    /// one, once per logical request (`renewals`), so a token Graph
    /// keeps refusing fails as before instead of looping.
    ///
    /// A claims challenge (continuous access evaluation revoked the token)
    /// gets a new token obtained with its claims, which replaces the cached
    /// one, and the request is sent once more; a second challenge for the
    /// same request is [`Error::ClaimsChallengeRepeated`].
    async fn attempt(&self, call: &Call<'_>, renewals: &Renewals) -> Outcome {
        let url = call.url;
        let scopes = [self.scope.as_str()];
        let mut next_token = None;
        loop {
            let token = match next_token.take() {
                Some(token) => token,
                None => match self.auth.acquire_token(&scopes).await {
                    Ok(token) => token,
                    Err(e) => return Attempt::Done(Err(e.into())),
                },
            };
            let outcome = match self.send(&token, call).await {
                Sent::Outcome(outcome) => outcome,
                Sent::Challenge { claims, refused } => {
                    if renewals.claims_challenge.swap(true, Ordering::Relaxed) {
                        return Attempt::Done(Err(Error::ClaimsChallengeRepeated { refused }));
                    }
                    tracing::info!(url = %url.url(), message = %refused.message, "Graph sent a claims challenge; requesting a token with its claims and retrying");
                    match self.auth.acquire_token_with_claims(&scopes, &claims).await {
                        Ok(token) => next_token = Some(token),
                        Err(e) => return Attempt::Done(Err(e.into())),
                    }
                    continue;
                }
            };
            match outcome {
                Attempt::Done(Err(Error::Graph(refused)))
                    if refused.status == 401
                        && token.from_cache()
                        && !renewals.refused_token.load(Ordering::Relaxed) =>
                {
                    renewals.refused_token.store(true, Ordering::Relaxed);
                    tracing::info!(url = %url.url(), code = %refused.code, "Graph refused the cached token; forgetting it and retrying with a fresh one");
                    // The retry goes ahead even so: a store that failed to
                    // remove the entry likely fails to serve it too (a miss).
                    if let Err(e) = self.auth.forget_token(&scopes).await {
                        tracing::warn!(error = %e, "could not remove the refused token from the cache");
                    }
                }
                outcome => return outcome,
            }
        }
    }

    /// Sends the request once with `token`.
    async fn send(&self, token: &AccessToken, call: &Call<'_>) -> Sent {
        let Call {
            method,
            url,
            headers,
            body,
            client_request_id,
            again,
        } = *call;
        let url = url.url();
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request = request
            .header("Accept", "application/json")
            .header("client-request-id", client_request_id)
            .bearer_auth(token.secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        tracing::debug!(%method, %url, client_request_id, "Graph request");
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Sent::Outcome(network_failure(e, again)),
        };
        let status = response.status();
        let request_id = response.header("request-id").map(str::to_owned);
        let retry_after = response.retry_after();
        let answer_headers: Vec<(String, String)> = response
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let challenge = (status == 401)
            .then(|| crate::challenge::claims(response.header_values("www-authenticate")))
            .flatten();
        let bytes = match response.body(BodyLimit::GRAPH).await {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => return Sent::Outcome(network_failure(e, again)),
        };
        tracing::debug!(status, len = bytes.len(), request_id, "Graph response");
        if (200..300).contains(&status) {
            return Sent::Outcome(Attempt::Done(Ok(Answer {
                status,
                headers: answer_headers,
                body: bytes,
            })));
        }
        let mut error = GraphError::parse(
            status,
            &bytes,
            request_id,
            Some(client_request_id.to_owned()),
        );
        if status == 403 {
            // What the refused token carried, so that the refusal can say what is missing.
            error.token_roles = crate::permissions::token_roles(token);
        }
        if let Some(claims) = challenge {
            return Sent::Challenge {
                claims,
                refused: Box::new(error),
            };
        }
        let statuses = if again {
            StatusSet::GRAPH
        } else {
            StatusSet::GRAPH_NOT_IDEMPOTENT
        };
        Sent::Outcome(if statuses.contains(status) {
            Attempt::Transient {
                failure: Transient::Graph(error),
                retry_after,
            }
        } else {
            Attempt::Done(Err(Error::Graph(Box::new(error))))
        })
    }

    /// GET `path_or_url` and parse the JSON body (`null` for an empty one).
    pub async fn get_json(&self, path_or_url: &str) -> Result<Value> {
        let url = self.resolve(path_or_url)?;
        let bytes = self
            .execute(Method::Get, &url, &Headers::new(), None)
            .await?;
        parse_json(&bytes)
    }

    /// GET `path_or_url`: a collection page with its items as JSON text (follow it
    /// with [`GraphClient::raw_pages_after`]), or any other answer as JSON.
    pub async fn get_raw(&self, path_or_url: &str) -> Result<RawBody> {
        let url = self.resolve(path_or_url)?;
        let bytes = self
            .execute(Method::Get, &url, &Headers::new(), None)
            .await?;
        RawBody::from_bytes(bytes)
    }
}

/// A request that got no whole answer: transient, unless the server's
/// certificate was refused, which no retry fixes, or the body passed its
/// limit ([`BodyLimit::GRAPH`]), which it would pass again. Without `again`
/// (a write whose answer was lost may have been applied) it is final.
fn network_failure(e: entrad_http::Error, again: bool) -> Outcome {
    match e.transport() {
        Some(failure) if failure.is_untrusted_certificate() => {
            Attempt::Done(Err(Error::UntrustedCertificate {
                message: failure.message().to_owned(),
            }))
        }
        Some(failure) if !again => Attempt::Done(Err(Error::Network {
            message: failure.message().to_owned(),
            attempts: 1,
        })),
        Some(failure) => Attempt::Transient {
            failure: Transient::Network(failure.message().to_owned()),
            retry_after: None,
        },
        None => Attempt::Done(Err(Error::unexpected("the body was not read in full", e))),
    }
}
