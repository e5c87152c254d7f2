//! One Graph request: token, ids, retries.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use entrad_auth::{AccessToken, TransportFailure};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::client::GraphClient;
use crate::error::{Error, GraphError, Result};
use crate::retry::{self, Attempts};

/// Why an attempt failed in a way that waiting may fix.
enum Transient {
    Graph(GraphError, Option<std::time::Duration>),
    Network(String),
}

impl GraphClient {
    /// Sends `method url` until it succeeds, fails for good, or the retry
    /// policy gives up; returns the response body.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&Value>,
    ) -> Result<Bytes> {
        // One id for all attempts, so the service's logs tie the retries together.
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut attempts = Attempts::new(self.retry);
        let mut token_renewed = false;
        loop {
            attempts.begin();
            let failure = match self
                .attempt(
                    &method,
                    url,
                    headers,
                    body,
                    &client_request_id,
                    &mut token_renewed,
                )
                .await?
            {
                Ok(bytes) => return Ok(bytes),
                Err(failure) => failure,
            };
            let (retry_after, what) = match &failure {
                Transient::Graph(e, retry_after) => (*retry_after, e.to_string()),
                Transient::Network(message) => (None, message.clone()),
            };
            let Some(delay) = attempts.next_delay(retry_after) else {
                return Err(match failure {
                    Transient::Graph(last, _) => Error::Exhausted {
                        attempts: attempts.made(),
                        last: Box::new(last),
                    },
                    Transient::Network(message) => Error::Network {
                        message,
                        attempts: attempts.made(),
                    },
                });
            };
            tracing::info!(
                %url, attempt = attempts.made(), ?delay, "Graph request failed ({what}); retrying"
            );
            self.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: `Err` for failures retrying cannot fix, `Ok(Err)` for transient ones.
    ///
    /// A cached token can be refused before its expiry (revoked, or signed
    /// with keys the service no longer has): on a 401 to a token from the
    /// cache, the token is forgotten and the request sent again with a fresh
    /// one, once per logical request (`token_renewed`), so a token Graph
    /// keeps refusing fails as before instead of looping.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&Value>,
        client_request_id: &str,
        token_renewed: &mut bool,
    ) -> Result<std::result::Result<Bytes, Transient>> {
        let scopes = [self.scope.as_str()];
        loop {
            let token = self.auth.acquire_token(&scopes).await?;
            match self
                .send(&token, method, url, headers, body, client_request_id)
                .await
            {
                Err(Error::Graph(refused))
                    if refused.status == 401 && token.from_cache() && !*token_renewed =>
                {
                    *token_renewed = true;
                    tracing::info!(%url, code = %refused.code, "Graph refused the cached token; forgetting it and retrying with a fresh one");
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
    async fn send(
        &self,
        token: &AccessToken,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&Value>,
        client_request_id: &str,
    ) -> Result<std::result::Result<Bytes, Transient>> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header("client-request-id", client_request_id)
            .bearer_auth(token.secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        tracing::debug!(%method, %url, client_request_id, "Graph request");
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return network_failure(&e),
        };
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = retry::retry_after(response.headers());
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return network_failure(&e),
        };
        tracing::debug!(status, len = bytes.len(), request_id, "Graph response");
        if (200..300).contains(&status) {
            return Ok(Ok(bytes));
        }
        let error = GraphError::parse(
            status,
            &bytes,
            request_id,
            Some(client_request_id.to_owned()),
        );
        if retry::is_retryable_status(status) {
            Ok(Err(Transient::Graph(error, retry_after)))
        } else {
            Err(Error::Graph(Box::new(error)))
        }
    }

    /// GET `path_or_url` and parse the JSON body (`null` for an empty one).
    pub async fn get_json(&self, path_or_url: &str) -> Result<Value> {
        let url = self.resolve(path_or_url)?;
        let bytes = self
            .execute(Method::GET, &url, &HeaderMap::new(), None)
            .await?;
        parse_json(&bytes)
    }
}

/// The body as JSON; an empty body (204) is `null`.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Error::UnexpectedResponse(format!("the body is not JSON: {e}")))
}

/// A request that got no answer: transient, unless the server's certificate
/// was refused, which no retry fixes.
fn network_failure(e: &reqwest::Error) -> Result<std::result::Result<Bytes, Transient>> {
    let failure = TransportFailure::from_reqwest(e);
    if failure.is_untrusted_certificate() {
        return Err(Error::UntrustedCertificate {
            message: failure.message().to_owned(),
        });
    }
    Ok(Err(Transient::Network(failure.message().to_owned())))
}
