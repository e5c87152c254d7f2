//! Sending a request to the token service under the retry policy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

use crate::{Error, Result, RetryPolicy, TransportFailure};

/// A final answer from the service (success, refusal, or the last busy reply).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// Headers every request to the token service carries (MSAL's telemetry names).
pub(crate) fn client_headers(client_request_id: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-client-SKU", HeaderValue::from_static("entrad.rust"));
    headers.insert(
        "x-client-VER",
        HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
    );
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    if let Some(value) = client_request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        headers.insert("client-request-id", value);
        headers.insert("return-client-request-id", HeaderValue::from_static("true"));
    }
    headers
}

/// Sends `make()` until it succeeds, fails for good, or the policy gives up,
/// adding each repeated attempt to `retries`. `what` names the request in logs and errors.
pub(crate) async fn send(
    policy: &RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    client_request_id: Option<&str>,
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Reply> {
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let failure = match make().send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| RetryPolicy::parse_retry_after(v, SystemTime::now()));
                let content_type = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                match response.bytes().await {
                    Ok(body) => {
                        let reply = Reply {
                            status,
                            content_type,
                            body: body.to_vec(),
                        };
                        if !RetryPolicy::is_retryable_status(status) {
                            return Ok(reply);
                        }
                        match policy.next_delay(attempts, retry_after, started.elapsed()) {
                            Some(delay) => {
                                tracing::debug!(
                                    request = what,
                                    status,
                                    attempt = attempts,
                                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                                    client_request_id,
                                    "busy answer, retrying"
                                );
                                retries.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(delay).await;
                                continue;
                            }
                            None => {
                                tracing::warn!(
                                    request = what,
                                    status,
                                    attempts,
                                    client_request_id,
                                    "still busy, giving up"
                                );
                                return Ok(reply);
                            }
                        }
                    }
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        let failure = TransportFailure::from_reqwest(&failure);
        let message = failure.message();
        if failure.is_untrusted_certificate() {
            return Err(Error::UntrustedCertificate {
                message: format!("{what}: {message}"),
            });
        }
        let retryable = failure.is_retryable();
        match policy
            .next_delay(attempts, None, started.elapsed())
            .filter(|_| retryable)
        {
            Some(delay) => {
                tracing::debug!(
                    request = what,
                    attempt = attempts,
                    error = message,
                    client_request_id,
                    "request failed, retrying"
                );
                retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(delay).await;
            }
            None => {
                tracing::warn!(
                    request = what,
                    attempts,
                    error = message,
                    client_request_id,
                    "request failed"
                );
                return Err(Error::Network {
                    message: format!("{what}: {message} (after {attempts} attempt(s))"),
                    client_request_id: client_request_id.map(str::to_string),
                });
            }
        }
    }
}
