//! Sending a request to the token service under the retry policy, in the
//! one retry loop ([`retry::run`]).

use std::fmt;
use std::sync::atomic::AtomicU64;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::retry::{self, Attempt, Failed, StatusSet};
use crate::transport_failure::TransportFailure;
use crate::{Error, Result, RetryPolicy};

/// A final answer from the service (success, refusal, or the last busy reply).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
    /// The `WWW-Authenticate` challenge, when one came (Azure Arc's key file).
    pub(crate) challenge: Option<String>,
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

/// Why an attempt at the service gave no final answer.
enum Failure {
    /// A busy answer (a status of [`StatusSet::TOKEN_SERVICE`]), kept to be
    /// returned if it is the last.
    Busy(Reply),
    /// No answer: the cause on one line.
    Network(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Busy(reply) => write!(f, "HTTP {}", reply.status),
            Failure::Network(message) => f.write_str(message),
        }
    }
}

/// Sends `make()` until it succeeds, fails for good, or the policy gives up.
/// `what` names the request in logs and errors.
pub(crate) async fn send(
    policy: &RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    client_request_id: Option<&str>,
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Reply> {
    send_retrying(
        StatusSet::TOKEN_SERVICE,
        policy,
        retries,
        what,
        client_request_id,
        make,
    )
    .await
}

/// [`send`], retrying the answers in `statuses` (IMDS retries 404 and 410 too).
pub(crate) async fn send_retrying(
    statuses: StatusSet,
    policy: &RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    client_request_id: Option<&str>,
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Reply> {
    let make = &make;
    let outcome = retry::run(policy, retries, what, move || {
        attempt(make(), what, statuses)
    })
    .await;
    settle(outcome, what, client_request_id)
}

/// One attempt and no retry, logging nothing: a probe (is IMDS there at
/// all?), whose failure is an expected answer, not a warning.
pub(crate) async fn probe(what: &str, request: reqwest::RequestBuilder) -> Result<Reply> {
    let outcome = match attempt(request, what, StatusSet::IMDS).await {
        Attempt::Done(done) => Ok(done),
        Attempt::Transient { failure, .. } | Attempt::Fatal(failure) => Err(Failed {
            failure,
            attempts: 1,
        }),
    };
    settle(outcome, what, None)
}

/// The reply, or the error, of the last attempt.
fn settle(
    outcome: std::result::Result<Result<Reply>, Failed<Failure>>,
    what: &str,
    client_request_id: Option<&str>,
) -> Result<Reply> {
    match outcome {
        Ok(done) => done,
        // The last busy answer is the answer: its body says why.
        Err(Failed {
            failure: Failure::Busy(reply),
            ..
        }) => Ok(reply),
        Err(Failed {
            failure: Failure::Network(message),
            attempts,
        }) => Err(Error::Network {
            message: format!("{what}: {message} (after {attempts} attempt(s))"),
            client_request_id: client_request_id.map(str::to_string),
        }),
    }
}

/// One attempt: a final answer, a busy one worth retrying, or a network failure
/// sorted by [`classify`].
async fn attempt(
    request: reqwest::RequestBuilder,
    what: &str,
    statuses: StatusSet,
) -> Attempt<Result<Reply>, Failure> {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => return classify(&error, what),
    };
    let status = response.status().as_u16();
    let retry_after = retry::retry_after(response.headers());
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let challenge = response
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(error) => return classify(&error, what),
    };
    let reply = Reply {
        status,
        content_type,
        body: body.to_vec(),
        challenge,
    };
    if statuses.contains(status) {
        Attempt::Transient {
            failure: Failure::Busy(reply),
            retry_after,
        }
    } else {
        Attempt::Done(Ok(reply))
    }
}

/// A request that got no answer: an untrusted certificate ends it at once (a
/// retry cannot fix trust, and it needs its own error), a network failure is
/// retried when it may pass.
fn classify(error: &reqwest::Error, what: &str) -> Attempt<Result<Reply>, Failure> {
    let failure = TransportFailure::from_reqwest(error);
    if failure.is_untrusted_certificate() {
        return Attempt::Done(Err(Error::UntrustedCertificate {
            message: format!("{what}: {}", failure.message()),
        }));
    }
    let network = Failure::Network(failure.message().to_owned());
    if failure.is_retryable() {
        Attempt::Transient {
            failure: network,
            retry_after: None,
        }
    } else {
        Attempt::Fatal(network)
    }
}
