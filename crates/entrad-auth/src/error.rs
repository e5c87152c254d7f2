//! The crate's one error type and result.
//!
//! One rule for every message: an error's `Display` says what failed at its
//! own level and never repeats its cause; a typed cause is reachable through
//! [`std::error::Error::source`]. Whoever shows an error to a person prints
//! the chain (the `entrad` CLI prints `error: cause: cause` on one line).
//! Messages name this library's API, never a program's flags: the program
//! adds its own advice. A cause that could quote a token or a response body
//! (serde_json's error on a token response) is deliberately not kept.

use std::fmt;
use std::sync::Arc;

use crate::hint;

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A typed cause kept for [`std::error::Error::source`], shared so that
/// [`Error`] stays `Clone` (one failed request answers every caller waiting on it).
///
/// `source()` gives the cause itself (downcast it to its type), not this
/// wrapper: `Cause` is deliberately not an error of its own.
#[derive(Debug, Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// Keeps `error` as a cause.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause(Arc::new(error))
    }

    /// Keeps an error that is already boxed (its own type stays the one
    /// `source()` gives, not the box's).
    pub(crate) fn from_boxed(error: Box<dyn std::error::Error + Send + Sync>) -> Cause {
        Cause(Arc::from(error))
    }
}

impl std::ops::Deref for Cause {
    type Target = dyn std::error::Error + Send + Sync;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// How an [`Error`] should be handled: the CLI maps these to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's configuration is wrong: authority, credential, file, option.
    Config,
    /// The token service refused the request (HTTP 4xx with an OAuth error).
    Authentication,
    /// The service could not be reached or stayed busy (network, timeout,
    /// 429, 5xx) after the retry policy gave up.
    Unavailable,
    /// Something that should not happen: a response of an unexpected shape,
    /// a cache store failure, a bug.
    Internal,
}

/// The token service's refusal, as it sent it (OAuth 2.0 error JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status of the response.
    pub status: u16,
    /// OAuth error code, e.g. `invalid_client`.
    pub error: String,
    /// Human description, e.g. `AADSTS7000215: Invalid client secret provided. ...`.
    pub error_description: String,
    /// AADSTS numbers, e.g. `[7000215]`.
    pub error_codes: Vec<u32>,
    /// Correlation id to quote to Microsoft support.
    pub correlation_id: Option<String>,
    /// Trace id to quote to Microsoft support.
    pub trace_id: Option<String>,
}

impl ServiceError {
    /// The first AADSTS code: from `error_codes`, else parsed from the description.
    pub fn aadsts_code(&self) -> Option<u32> {
        self.error_codes.first().copied().or_else(|| {
            let rest = self.error_description.split("AADSTS").nth(1)?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
    }

    /// A one-line hint telling the user what to do, for the common AADSTS codes.
    pub fn hint(&self) -> Option<&'static str> {
        hint::for_code(self.aadsts_code()?)
    }

    /// The description's first line: Entra appends trace/correlation ids and a
    /// timestamp on further lines (or, from some services, on the same line),
    /// which are reported separately.
    fn summary(&self) -> String {
        let first = self.error_description.lines().next().unwrap_or("");
        let first = first.split(" Trace ID: ").next().unwrap_or(first).trim();
        one_line(first)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}", self.status, one_line(&self.error))?;
        let summary = self.summary();
        if !summary.is_empty() {
            write!(f, ": {summary}")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, "; hint: {hint}")?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " (correlation id {})", one_line(id))?;
        }
        if let Some(id) = &self.trace_id {
            write!(f, " (trace id {})", one_line(id))?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in this crate. Messages never contain secrets,
/// keys, assertions or tokens, and always fit on one line.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The authority URL is unusable.
    #[error("invalid authority: {0}")]
    Authority(String),
    /// The authority is not a URL at all.
    #[error("invalid authority: {input:?} is not a URL")]
    AuthorityUrl {
        /// The text given.
        input: String,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// The credential (secret, key, certificate, assertion source) is unusable.
    #[error("credential error: {0}")]
    Credential(String),
    /// As [`Error::Credential`], with the error that made it unusable (a
    /// file that cannot be read, a PEM or certificate that does not parse).
    #[error("credential error: {message}")]
    CredentialCause {
        /// What is unusable.
        message: String,
        /// Why.
        #[source]
        source: Cause,
    },
    /// Another configuration problem (scopes, CA file, client id, options).
    #[error("configuration error: {0}")]
    Config(String),
    /// As [`Error::Config`], with the error behind it (a CA file that cannot
    /// be read or parsed, a Redis URL, the HTTP client's setup).
    #[error("configuration error: {message}")]
    ConfigCause {
        /// What is wrong.
        message: String,
        /// Why.
        #[source]
        source: Cause,
    },
    /// The authority's metadata or instance discovery could not be used.
    #[error("discovery failed: {0}")]
    Discovery(String),
    /// The authority's metadata names an endpoint that is not a URL.
    #[error("discovery failed: {field} {value:?} is not a URL")]
    DiscoveryUrl {
        /// The metadata field, e.g. `token_endpoint`.
        field: String,
        /// Its value.
        value: String,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// The token service (or its discovery endpoint) answered with an OAuth error.
    #[error(
        "token service refused the request: {error}{}",
        service_request_id_suffix(error, client_request_id)
    )]
    Service {
        /// What the service said.
        error: Box<ServiceError>,
        /// The `client-request-id` this client sent.
        client_request_id: Option<String>,
    },
    /// The service could not be reached, timed out, or dropped the connection.
    #[error("network error: {message}{}", request_id_suffix(.client_request_id))]
    Network {
        /// What failed (URL and cause; never request bodies).
        message: String,
        /// The `client-request-id` this client sent.
        client_request_id: Option<String>,
    },
    /// The server's TLS certificate is not trusted (or does not name the host).
    #[error(
        "the server's TLS certificate is not trusted: {message}; trust its CA with HttpOptions::with_ca_file, e.g. the emulator's ca.pem"
    )]
    UntrustedCertificate {
        /// What was refused, with the URL.
        message: String,
    },
    /// The service answered with something that is not the expected JSON.
    #[error("unexpected response: {message}{}", request_id_suffix(.client_request_id))]
    UnexpectedResponse {
        /// HTTP status of the response.
        status: u16,
        /// What was wrong with it (never the body itself: it may hold a token).
        message: String,
        /// The `client-request-id` this client sent.
        client_request_id: Option<String>,
    },
    /// The answer to the `what` request was larger than its kind may be (see
    /// [`entrad_http::BodyLimit`]): reading stopped at the limit. The cause,
    /// an [`entrad_http::Error::BodyTooLarge`], names the limit and the host.
    #[error("unexpected response to the {what} request{}", request_id_suffix(.client_request_id))]
    ResponseTooLarge {
        /// The request, e.g. `token`, `IMDS`.
        what: String,
        /// The HTTP layer's error.
        #[source]
        source: Cause,
        /// The `client-request-id` this client sent.
        client_request_id: Option<String>,
    },
    /// An access token that is not a JWT was asked for its claims.
    #[error("the access token is not a readable JWT: {0}")]
    InvalidToken(String),
    /// A token cache store failed. Stores of your own build it with
    /// `source: None`, or with [`Error::cache`] to keep their error.
    #[error("token cache error: {message}")]
    Cache {
        /// What failed: the store, the file or the key (never an entry's content).
        message: String,
        /// The store's own error (I/O, Redis, JSON), when there is one.
        #[source]
        source: Option<Cause>,
    },
    /// No source of a credential chain could give a token: each one and why.
    #[error("no credential source could give a token: {reasons}")]
    NoCredential {
        /// Each source tried and why it was unavailable, `; `-separated.
        reasons: String,
    },
    /// The token task panicked or was cancelled.
    #[error("internal error: the token request task failed")]
    TokenTask(#[source] Cause),
    /// A bug or a runtime failure.
    #[error("internal error: {0}")]
    Internal(String),
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" (client-request-id {id})"))
        .unwrap_or_default()
}

/// The `client-request-id`, unless the service quoted it as its correlation
/// id (Entra does): each id once on the line.
fn service_request_id_suffix(error: &ServiceError, id: &Option<String>) -> String {
    match id {
        Some(id) if error.correlation_id.as_deref() == Some(id.as_str()) => String::new(),
        _ => request_id_suffix(id),
    }
}

/// Service text comes from the network: keep messages on one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Error {
    /// A configuration problem with the error behind it.
    pub(crate) fn config(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::ConfigCause {
            message: message.into(),
            source: Cause::new(source),
        }
    }

    /// An unusable credential with the error behind it.
    pub(crate) fn credential(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::CredentialCause {
            message: message.into(),
            source: Cause::new(source),
        }
    }

    /// A cache store failure: `message` says what failed, `source` is the
    /// store's error, kept for [`std::error::Error::source`].
    pub fn cache(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Cache {
            message: message.into(),
            source: Some(Cause::new(source)),
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Authority(_)
            | Error::AuthorityUrl { .. }
            | Error::Credential(_)
            | Error::CredentialCause { .. }
            | Error::Config(_)
            | Error::ConfigCause { .. }
            | Error::Discovery(_)
            | Error::DiscoveryUrl { .. }
            | Error::UntrustedCertificate { .. } => ErrorKind::Config,
            Error::Service { error, .. } if is_transient_status(error.status) => {
                ErrorKind::Unavailable
            }
            Error::Service { .. } | Error::NoCredential { .. } => ErrorKind::Authentication,
            Error::Network { .. } => ErrorKind::Unavailable,
            Error::UnexpectedResponse { status, .. } if is_transient_status(*status) => {
                ErrorKind::Unavailable
            }
            Error::UnexpectedResponse { .. }
            | Error::ResponseTooLarge { .. }
            | Error::InvalidToken(_)
            | Error::Cache { .. }
            | Error::TokenTask(_)
            | Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// A one-line hint telling the user what to do, for the common AADSTS codes.
    pub fn hint(&self) -> Option<&'static str> {
        self.service_error().and_then(ServiceError::hint)
    }

    /// The token service's error, when this is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The `client-request-id` sent with the failed request, when one was sent.
    pub fn client_request_id(&self) -> Option<&str> {
        match self {
            Error::Service {
                client_request_id, ..
            }
            | Error::Network {
                client_request_id, ..
            }
            | Error::UnexpectedResponse {
                client_request_id, ..
            }
            | Error::ResponseTooLarge {
                client_request_id, ..
            } => client_request_id.as_deref(),
            _ => None,
        }
    }
}

/// Statuses that mean "busy or broken for now", not "refused".
pub(crate) fn is_transient_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..=599).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16, codes: Vec<u32>, description: &str) -> Error {
        Error::Service {
            error: Box::new(ServiceError {
                status,
                error: "invalid_client".into(),
                error_description: description.into(),
                error_codes: codes,
                correlation_id: Some("corr-1".into()),
                trace_id: Some("trace-1".into()),
            }),
            client_request_id: Some("req-1".into()),
        }
    }

    #[test]
    fn service_error_display_is_one_line_with_hint_and_ids() {
        let e = service(
            401,
            vec![7000215],
            "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y",
        );
        let text = e.to_string();
        assert!(!text.contains('\n') && !text.contains('\r'), "{text}");
        assert!(text.contains("AADSTS7000215: Invalid client secret provided."));
        assert!(text.contains("hint: the client secret is wrong"));
        assert!(text.contains("correlation id corr-1"));
        assert!(text.contains("trace id trace-1"));
        assert!(text.contains("client-request-id req-1"));
        assert!(!text.contains("Trace ID: x"));
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert_eq!(e.client_request_id(), Some("req-1"));
    }

    #[test]
    fn each_id_appears_once_when_the_service_repeats_them() {
        // Ids on the description's own line, and the client-request-id echoed
        // back as the correlation id, as Entra does.
        let e = Error::Service {
            error: Box::new(ServiceError {
                status: 401,
                error: "invalid_client".into(),
                error_description: "AADSTS7000215: Invalid client secret provided. Trace ID: t-9 Correlation ID: c-7 Timestamp: 2026-01-01 00:00:00Z".into(),
                error_codes: vec![7000215],
                correlation_id: Some("c-7".into()),
                trace_id: Some("t-9".into()),
            }),
            client_request_id: Some("c-7".into()),
        };
        let text = e.to_string();
        assert_eq!(text.matches("c-7").count(), 1, "{text}");
        assert_eq!(text.matches("t-9").count(), 1, "{text}");
        assert!(
            text.contains("AADSTS7000215: Invalid client secret provided.; hint:"),
            "{text}"
        );
        assert!(!text.contains("Timestamp"), "{text}");
    }

    #[test]
    fn code_is_parsed_from_description_when_codes_are_missing() {
        let e = service(400, vec![], "AADSTS700016: Application not found");
        assert_eq!(
            e.service_error().and_then(ServiceError::aadsts_code),
            Some(700016)
        );
        assert!(e.hint().is_some_and(|h| h.contains("client_id")));
    }

    #[test]
    fn kinds() {
        assert_eq!(service(503, vec![], "").kind(), ErrorKind::Unavailable);
        assert_eq!(service(429, vec![], "").kind(), ErrorKind::Unavailable);
        assert_eq!(Error::Authority("x".into()).kind(), ErrorKind::Config);
        assert_eq!(Error::Credential("x".into()).kind(), ErrorKind::Config);
        assert_eq!(Error::Discovery("x".into()).kind(), ErrorKind::Config);
        let network = Error::Network {
            message: "x".into(),
            client_request_id: None,
        };
        assert_eq!(network.kind(), ErrorKind::Unavailable);
        let odd = Error::UnexpectedResponse {
            status: 200,
            message: "x".into(),
            client_request_id: None,
        };
        assert_eq!(odd.kind(), ErrorKind::Internal);
        let busy = Error::UnexpectedResponse {
            status: 502,
            message: "x".into(),
            client_request_id: None,
        };
        assert_eq!(busy.kind(), ErrorKind::Unavailable);
    }

    /// One of each variant that has a cause, and the ones that once named a flag.
    fn representative() -> Vec<Error> {
        let io = || std::io::Error::other("disk on fire");
        vec![
            crate::Authority::parse("not a url").unwrap_err(),
            Error::DiscoveryUrl {
                field: "token_endpoint".into(),
                value: "::".into(),
                source: url::Url::parse("::").unwrap_err(),
            },
            Error::config("cannot read the CA file /ca.pem", io()),
            Error::credential("cannot read the client assertion file /t", io()),
            Error::cache("cannot read /cache.json", io()),
            Error::UntrustedCertificate {
                message: "token: invalid peer certificate: UnknownIssuer".into(),
            },
            Error::Network {
                message: "token: connection refused".into(),
                client_request_id: None,
            },
        ]
    }

    #[test]
    fn messages_name_no_program_flags() {
        for e in representative() {
            let text = e.to_string();
            assert!(!text.contains("--"), "{text}");
        }
    }

    #[test]
    fn typed_causes_are_the_source_and_not_repeated_in_the_message() {
        let mut with_source = 0;
        for e in representative() {
            let Some(cause) = std::error::Error::source(&e) else {
                continue;
            };
            with_source += 1;
            assert!(
                cause.is::<url::ParseError>() || cause.is::<std::io::Error>(),
                "{e:?}"
            );
            let text = e.to_string();
            assert!(!text.contains(&cause.to_string()), "{text}");
        }
        assert_eq!(with_source, 5);
    }

    #[test]
    fn errors_with_a_cause_stay_clone() {
        let e = Error::cache("cannot read /cache.json", std::io::Error::other("x"));
        let copy = e.clone();
        let cause = std::error::Error::source(&copy).unwrap();
        assert_eq!(
            cause.downcast_ref::<std::io::Error>().unwrap().to_string(),
            "x"
        );
    }
}
