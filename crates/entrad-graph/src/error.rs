//! The crate's one error type and result, and Graph's error JSON.
//!
//! One rule for every message: an error's `Display` says what failed at its
//! own level and never repeats its cause; a typed cause is reachable through
//! [`std::error::Error::source`]. Whoever shows an error to a person prints
//! the chain (the `entrad` CLI prints `error: cause: cause` on one line).
//! Messages name this library's API, never a program's flags: the program
//! adds its own advice.

use std::fmt;

/// How an [`Error`] should be handled: the CLI maps these to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request or the configuration is wrong (bad URL, bad query, 400, 404).
    Config,
    /// The token service refused to issue a token.
    Authentication,
    /// Graph refused the token (401) or the app lacks permission (403).
    Permission,
    /// Graph or the network stayed busy or down after the retries (429, 5xx, timeouts).
    Unavailable,
    /// A response of an unexpected shape, or a bug.
    Internal,
}

/// Graph's error body, `{"error":{"code","message","innerError":{..}}}`, with the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// HTTP status.
    pub status: u16,
    /// Graph's code, e.g. `Authorization_RequestDenied`, `TooManyRequests`.
    pub code: String,
    /// Graph's message, e.g. `Insufficient privileges to complete the operation.`.
    pub message: String,
    /// `innerError.request-id` (or the `request-id` header): quote it to Microsoft support.
    pub request_id: Option<String>,
    /// `innerError.client-request-id`: the id this client sent.
    pub client_request_id: Option<String>,
    /// `innerError.date`.
    pub date: Option<String>,
    /// For a 403: the `roles` claim of the token Graph refused (the application
    /// permissions it carries, names only; empty when it has none), `None` when
    /// unknown (another status, a token that is not a JWT).
    pub token_roles: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct Envelope {
    error: Body,
}

#[derive(serde::Deserialize)]
struct Body {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "innerError", alias = "innererror")]
    inner: Option<Inner>,
}

#[derive(serde::Deserialize)]
struct Inner {
    date: Option<String>,
    #[serde(rename = "request-id")]
    request_id: Option<String>,
    #[serde(rename = "client-request-id")]
    client_request_id: Option<String>,
}

impl GraphError {
    /// Parses an error response. A body that is not Graph's error JSON (a
    /// proxy's HTML page, nothing at all) still gives an error named after the status.
    pub fn parse(
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        client_request_id: Option<String>,
    ) -> GraphError {
        match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error }) => {
                let inner = error.inner;
                let (date, inner_request_id, inner_client_request_id) = match inner {
                    Some(i) => (i.date, i.request_id, i.client_request_id),
                    None => (None, None, None),
                };
                GraphError {
                    status,
                    code: one_line(&error.code),
                    message: one_line(&error.message),
                    request_id: inner_request_id.or(request_id),
                    client_request_id: inner_client_request_id.or(client_request_id),
                    date,
                    token_roles: None,
                }
            }
            Err(_) => GraphError {
                status,
                code: reason(status).to_owned(),
                message: format!(
                    "HTTP {status} without Graph's error JSON ({} bytes)",
                    body.len()
                ),
                request_id,
                client_request_id,
                date: None,
                token_roles: None,
            },
        }
    }

    /// The 403 a token without `roles` gets: the app's permissions lack admin consent.
    pub fn is_authorization_denied(&self) -> bool {
        self.status == 403 && self.code == "Authorization_RequestDenied"
    }

    /// The permissions a 403's message says the API requires (any one of them), as
    /// Graph's "Missing role permissions on the request. API requires one of 'A, B'."
    /// names them; empty when it names none (the directory's
    /// `Authorization_RequestDenied` does not).
    pub fn required_permissions(&self) -> Vec<String> {
        if self.status == 403 {
            crate::permissions::required(&self.message)
        } else {
            Vec::new()
        }
    }

    /// The class of this refusal.
    pub fn kind(&self) -> ErrorKind {
        match self.status {
            401 | 403 => ErrorKind::Permission,
            408 | 429 | 500..=599 => ErrorKind::Unavailable,
            400..=499 => ErrorKind::Config,
            _ => ErrorKind::Internal,
        }
    }
}

fn reason(status: u16) -> &'static str {
    entrad_http::canonical_reason(status).unwrap_or("UnknownError")
}

/// Service text comes from the network: keep messages on one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {})", one_line(id))?;
        }
        Ok(())
    }
}

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate. Messages never hold tokens and fit on one line.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No token: the token service or its configuration failed.
    #[error(transparent)]
    Auth(#[from] entrad_auth::Error),
    /// Graph answered with an error that retrying does not fix.
    #[error("Graph refused the request: {0}")]
    Graph(Box<GraphError>),
    /// Graph answered a claims challenge (401 `insufficient_claims`, continuous
    /// access evaluation) again, to the token obtained with the claims of its
    /// first challenge for the same request: the token service and Graph
    /// disagree, or the app lost access in between.
    #[error(
        "Graph sent a second claims challenge for the same request, to a token obtained with the claims of the first: {refused}"
    )]
    ClaimsChallengeRepeated {
        /// Graph's second refusal.
        refused: Box<GraphError>,
    },
    /// Graph stayed busy (429/503/504) until the retry policy gave up.
    #[error("Graph stayed unavailable after {attempts} attempts: {last}")]
    Exhausted {
        /// Requests sent.
        attempts: u32,
        /// The last refusal.
        last: Box<GraphError>,
    },
    /// Graph could not be reached, timed out or dropped the connection.
    #[error("network error calling Graph after {attempts} attempts: {message}")]
    Network {
        /// What failed, with its causes.
        message: String,
        /// Requests sent.
        attempts: u32,
    },
    /// The HTTP client for Graph could not be set up from
    /// [`GraphClientBuilder::http`](crate::GraphClientBuilder::http)'s options
    /// (a CA file that cannot be read or holds no certificate): the cause, an
    /// [`entrad_http::Error`], says which.
    #[error("cannot set up the HTTP client for Graph")]
    HttpSetup(#[source] entrad_auth::Cause),
    /// Graph's TLS certificate is not trusted (or does not name the host).
    #[error(
        "Graph's TLS certificate is not trusted: {message}; trust its CA with HttpOptions::with_ca_file, e.g. the emulator's ca.pem"
    )]
    UntrustedCertificate {
        /// What was refused, with the URL.
        message: String,
    },
    /// A path or URL that cannot be resolved against the Graph base URL.
    #[error("invalid Graph URL `{url}`: {reason}")]
    InvalidUrl {
        /// The path or URL given.
        url: String,
        /// Why it is unusable.
        reason: String,
    },
    /// The URL is not https (plain http is only allowed for a loopback host,
    /// when the client allows it): the token would travel in clear.
    #[error(
        "refusing to send the access token to {origin}: it is not https (plain http only for a loopback test server, when explicitly allowed)"
    )]
    InsecureUrl {
        /// The refused origin, `scheme://host[:port]`.
        origin: String,
        /// Whether the host is loopback (where plain http can be allowed).
        loopback: bool,
    },
    /// The URL's origin is neither a Graph cloud's nor one the client was configured with.
    #[error(
        "refusing to send the access token to {origin}: it is neither a Microsoft Graph host nor the configured Graph URL"
    )]
    OriginNotAllowed {
        /// The refused origin, `scheme://host[:port]`.
        origin: String,
    },
    /// A page's `@odata.nextLink` or `@odata.deltaLink` leads to another
    /// origin than the page's own: it is not followed, so the token never goes there.
    #[error(
        "the page from {page_origin} has an {link} to another origin, {link_origin}: refused, the access token only goes to the origin that served the page"
    )]
    CrossOriginLink {
        /// `@odata.nextLink` or `@odata.deltaLink`.
        link: &'static str,
        /// The origin of the page that carried the link.
        page_origin: String,
        /// The origin the link points to.
        link_origin: String,
    },
    /// The `@odata.nextLink` chain came back to a page it had already requested.
    #[error(
        "@odata.nextLink repeats: {url} was already requested in this listing, the pages form a cycle"
    )]
    LinkCycle {
        /// The link that was seen before.
        url: String,
    },
    /// A request this client refuses to send (e.g. more than 20 in a batch).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A request of a batch has a URL that does not resolve.
    #[error("invalid request: batch request `{id}` has an invalid URL")]
    BatchUrl {
        /// The request's `id`.
        id: String,
        /// Why its URL does not resolve.
        #[source]
        source: url::ParseError,
    },
    /// The batch could not be encoded as JSON.
    #[error("invalid request: cannot encode the batch")]
    BatchEncoding(#[source] entrad_auth::Cause),
    /// Graph answered 2xx with something that is not the expected JSON.
    #[error("unexpected Graph response: {message}")]
    UnexpectedResponse {
        /// What was wrong with it.
        message: String,
        /// The JSON parser's (or the request task's) error, when there is one.
        #[source]
        source: Option<entrad_auth::Cause>,
    },
}

impl Error {
    /// The HTTP client could not be built from the options.
    pub(crate) fn http_setup(error: entrad_http::Error) -> Error {
        Error::HttpSetup(entrad_auth::Cause::new(error))
    }

    /// An unexpected response: `message` says what was wrong, `source` why.
    pub(crate) fn unexpected(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::UnexpectedResponse {
            message: message.into(),
            source: Some(entrad_auth::Cause::new(source)),
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Auth(e) => match e.kind() {
                entrad_auth::ErrorKind::Config => ErrorKind::Config,
                entrad_auth::ErrorKind::Authentication => ErrorKind::Authentication,
                entrad_auth::ErrorKind::Unavailable => ErrorKind::Unavailable,
                _ => ErrorKind::Internal,
            },
            Error::Graph(e) => e.kind(),
            Error::ClaimsChallengeRepeated { .. } => ErrorKind::Permission,
            Error::Exhausted { .. } | Error::Network { .. } => ErrorKind::Unavailable,
            Error::InvalidUrl { .. }
            | Error::InvalidRequest(_)
            | Error::BatchUrl { .. }
            | Error::BatchEncoding(_)
            | Error::HttpSetup(_)
            | Error::UntrustedCertificate { .. }
            | Error::InsecureUrl { .. }
            | Error::OriginNotAllowed { .. } => ErrorKind::Config,
            // A service that answers with them is broken or hostile.
            Error::CrossOriginLink { .. }
            | Error::LinkCycle { .. }
            | Error::UnexpectedResponse { .. } => ErrorKind::Internal,
        }
    }

    /// Graph's error, when Graph answered with one.
    pub fn graph_error(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(e)
            | Error::Exhausted { last: e, .. }
            | Error::ClaimsChallengeRepeated { refused: e } => Some(e.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DENIED: &str = r#"{"error":{"code":"Authorization_RequestDenied",
        "message":"Insufficient privileges to complete the operation.",
        "innerError":{"date":"2024-04-24T12:48:07","request-id":"rid","client-request-id":"cid"}}}"#;

    #[test]
    fn parses_graph_error_json() {
        let e = GraphError::parse(403, DENIED.as_bytes(), Some("header-rid".into()), None);
        assert_eq!(e.code, "Authorization_RequestDenied");
        assert_eq!(
            e.message,
            "Insufficient privileges to complete the operation."
        );
        assert_eq!(e.request_id.as_deref(), Some("rid"));
        assert_eq!(e.client_request_id.as_deref(), Some("cid"));
        assert_eq!(e.date.as_deref(), Some("2024-04-24T12:48:07"));
        assert!(e.is_authorization_denied());
        assert_eq!(e.kind(), ErrorKind::Permission);
        assert_eq!(
            e.to_string(),
            "HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. (request-id rid)"
        );
    }

    #[test]
    fn a_403_names_the_permissions_its_message_requires() {
        let forbidden = br#"{"error":{"code":"Forbidden","message":"Missing role permissions on the request. API requires one of 'Chat.ReadBasic.All, Chat.Read.All'. Roles on the request 'User.Read.All'."}}"#;
        let e = GraphError::parse(403, forbidden, None, None);
        assert_eq!(
            e.required_permissions(),
            ["Chat.ReadBasic.All", "Chat.Read.All"]
        );
        assert!(!e.is_authorization_denied());
        assert_eq!(e.token_roles, None, "parsing alone knows no token");
        let e = GraphError::parse(403, DENIED.as_bytes(), None, None);
        assert!(e.required_permissions().is_empty());
        // Only a 403 is read as a permission refusal.
        let e = GraphError::parse(400, forbidden, None, None);
        assert!(e.required_permissions().is_empty());
    }

    #[test]
    fn survives_bodies_that_are_not_graph_json() {
        let e = GraphError::parse(
            502,
            b"<html>bad gateway</html>",
            Some("r".into()),
            Some("c".into()),
        );
        assert_eq!(e.code, "Bad Gateway");
        assert!(e.message.contains("without Graph's error JSON"));
        assert_eq!(e.request_id.as_deref(), Some("r"));
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        let e = GraphError::parse(
            400,
            br#"{"error":{"code":"Request_UnsupportedQuery","message":"a\nb"}}"#,
            None,
            None,
        );
        assert_eq!(e.message, "a b");
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn kinds_follow_the_status() {
        let graph =
            |status| Error::Graph(Box::new(GraphError::parse(status, b"", None, None))).kind();
        assert_eq!(graph(401), ErrorKind::Permission);
        assert_eq!(graph(404), ErrorKind::Config);
        assert_eq!(graph(503), ErrorKind::Unavailable);
        let network = Error::Network {
            message: "refused".into(),
            attempts: 3,
        };
        assert_eq!(network.kind(), ErrorKind::Unavailable);
        let auth = Error::from(entrad_auth::Error::Config("x".into()));
        assert_eq!(auth.kind(), ErrorKind::Config);
    }

    #[test]
    fn messages_name_no_program_flags() {
        let errors = [
            Error::UntrustedCertificate {
                message: "GET https://graph: invalid peer certificate: UnknownIssuer".into(),
            },
            Error::InsecureUrl {
                origin: "http://127.0.0.1:1".into(),
                loopback: true,
            },
            Error::OriginNotAllowed {
                origin: "https://elsewhere.example".into(),
            },
            crate::page::Page::from_slice(b"[]").unwrap_err(),
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains("--"), "{text}");
        }
    }

    #[test]
    fn a_body_that_is_not_a_page_keeps_the_json_error_as_source() {
        let e = crate::page::Page::from_slice(b"[]").unwrap_err();
        let cause = std::error::Error::source(&e).expect("a source");
        let json = cause
            .downcast_ref::<serde_json::Error>()
            .expect("serde_json's error");
        assert!(!e.to_string().contains(&json.to_string()), "{e}");
        assert_eq!(e.kind(), ErrorKind::Internal);
    }
}
