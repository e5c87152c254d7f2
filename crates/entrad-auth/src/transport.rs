//! Sending a request to the token service or a managed identity endpoint
//! under the retry policy, in the one retry loop ([`entrad_http::run`]).

use std::fmt;
use std::sync::atomic::AtomicU64;

use entrad_http::{Attempt, BodyLimit, Failed, Request, StatusSet};

use crate::{Cause, Error, Result, RetryPolicy};

/// A final answer from the service (success, refusal, or the last busy reply).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
    /// The `WWW-Authenticate` challenge, when one came (Azure Arc's key file).
    pub(crate) challenge: Option<String>,
}

/// What is asked, and how its answers are read: the statuses retried and
/// the limit on a body.
#[derive(Clone, Copy)]
pub(crate) struct Service {
    pub(crate) statuses: StatusSet,
    pub(crate) limit: BodyLimit,
}

impl Service {
    /// The token service and its metadata.
    pub(crate) const TOKEN: Service = Service {
        statuses: StatusSet::TOKEN_SERVICE,
        limit: BodyLimit::TOKEN_SERVICE,
    };

    /// A managed identity endpoint retried on `statuses`.
    pub(crate) fn managed_identity(statuses: StatusSet) -> Service {
        Service {
            statuses,
            limit: BodyLimit::MANAGED_IDENTITY,
        }
    }
}

/// Headers every request to the token service carries (MSAL's telemetry names).
pub(crate) fn client_headers(request: Request, client_request_id: Option<&str>) -> Request {
    let request = request
        .header("x-client-SKU", "entrad.rust")
        .header("x-client-VER", env!("CARGO_PKG_VERSION"))
        .header("Accept", "application/json");
    // An id HTTP cannot carry is left out rather than failing the request.
    match client_request_id.filter(|id| id.bytes().all(|b| b == b'\t' || (b' '..0x7f).contains(&b)))
    {
        Some(id) => request
            .header("client-request-id", id)
            .header("return-client-request-id", "true"),
        None => request,
    }
}

/// Why an attempt at the service gave no final answer.
enum Failure {
    /// A busy answer (a status the service's [`StatusSet`] retries), kept to
    /// be returned if it is the last.
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

/// Sends `make()` to the token service until it succeeds, fails for good, or
/// the policy gives up. `what` names the request in logs and errors.
pub(crate) async fn send(
    policy: &RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    client_request_id: Option<&str>,
    make: impl Fn() -> Request,
) -> Result<Reply> {
    send_to(
        Service::TOKEN,
        policy,
        retries,
        what,
        client_request_id,
        make,
    )
    .await
}

/// [`send`] to `service` (IMDS retries 404 and 410 too).
pub(crate) async fn send_to(
    service: Service,
    policy: &RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    client_request_id: Option<&str>,
    make: impl Fn() -> Request,
) -> Result<Reply> {
    let make = &make;
    let outcome = entrad_http::run(policy, retries, what, move || {
        attempt(make(), what, service, client_request_id)
    })
    .await;
    settle(outcome, what, client_request_id)
}

/// One attempt and no retry, logging nothing: a probe (is IMDS there at
/// all?), whose failure is an expected answer, not a warning.
pub(crate) async fn probe(what: &str, service: Service, request: Request) -> Result<Reply> {
    let outcome = match attempt(request, what, service, None).await {
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

/// One attempt: a final answer, a busy one worth retrying, or a failure
/// sorted by [`classify`].
async fn attempt(
    request: Request,
    what: &str,
    service: Service,
    client_request_id: Option<&str>,
) -> Attempt<Result<Reply>, Failure> {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => return classify(error, what, client_request_id),
    };
    let status = response.status();
    let retry_after = response.retry_after();
    let content_type = response.header("content-type").map(str::to_string);
    let challenge = response.header("www-authenticate").map(str::to_string);
    let body = match response.body(service.limit).await {
        Ok(body) => body,
        Err(error) => return classify(error, what, client_request_id),
    };
    let reply = Reply {
        status,
        content_type,
        body,
        challenge,
    };
    if service.statuses.contains(status) {
        Attempt::Transient {
            failure: Failure::Busy(reply),
            retry_after,
        }
    } else {
        Attempt::Done(Ok(reply))
    }
}

/// A request that got no whole answer: an untrusted certificate ends it at
/// once (a retry cannot fix trust, and it needs its own error), as does a
/// body over its limit (it would be as large again); a network failure is
/// retried when it may pass.
fn classify(
    error: entrad_http::Error,
    what: &str,
    client_request_id: Option<&str>,
) -> Attempt<Result<Reply>, Failure> {
    let network = match error.transport() {
        Some(failure) if failure.is_untrusted_certificate() => {
            return Attempt::Done(Err(Error::UntrustedCertificate {
                message: format!("{what}: {}", failure.message()),
            }));
        }
        Some(failure) if failure.is_retryable() => {
            return Attempt::Transient {
                failure: Failure::Network(failure.message().to_owned()),
                retry_after: None,
            };
        }
        Some(failure) => failure.message().to_owned(),
        None if matches!(error, entrad_http::Error::BodyTooLarge { .. }) => {
            return Attempt::Done(Err(Error::ResponseTooLarge {
                what: what.to_owned(),
                source: Cause::new(error),
                client_request_id: client_request_id.map(str::to_string),
            }));
        }
        None => error.to_string(),
    };
    Attempt::Fatal(Failure::Network(network))
}
