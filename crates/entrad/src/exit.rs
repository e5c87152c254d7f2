//! The one place where errors become exit codes and messages.

use std::io::ErrorKind as IoErrorKind;

use entrad_auth::ErrorKind as AuthKind;
use entrad_graph::ErrorKind as GraphKind;

use crate::error::Error;
use crate::report::chain;

/// Something unexpected: a bug, or a service answering nonsense.
pub const INTERNAL: u8 = 1;
/// Usage or configuration error.
pub const CONFIG: u8 = 2;
/// The token service refused to issue a token.
pub const AUTHENTICATION: u8 = 3;
/// Graph refused the token or the app lacks permission (401/403).
pub const PERMISSION: u8 = 4;
/// Network or service unavailable after the retries.
pub const UNAVAILABLE: u8 = 5;

/// How the process ends after `error`: exit code, and the line for stderr (if any).
pub fn outcome(error: &Error) -> (u8, Option<String>) {
    match error {
        // The reader (e.g. `| head`) has what it wanted: not a failure.
        Error::Output(e) if e.kind() == IoErrorKind::BrokenPipe => (0, None),
        #[cfg(feature = "emulator")]
        Error::Emulator(entrad_emulator::Error::Stdout(e))
            if e.kind() == IoErrorKind::BrokenPipe =>
        {
            (0, None)
        }
        #[cfg(feature = "emulator")]
        Error::Emulator(e) => (emulator_code(e), Some(emulator_message(e))),
        #[cfg(feature = "emulator")]
        Error::Demo(_) => (INTERNAL, Some(chain(error))),
        Error::Output(_) => (INTERNAL, Some(chain(error))),
        Error::Config(message) => (CONFIG, Some(message.clone())),
        Error::Sync(e) => (sync_code(e), Some(sync_message(e))),
        Error::TenantsFailed { code, .. } => (*code, Some(error.to_string())),
        Error::Auth(e) => (auth_code(e.kind()), Some(auth_message(e))),
        Error::NoSignedInUser(source) => (
            graph_code(source.kind()),
            Some(format!(
                "{}; an app-only token has no signed-in user, so /me names no one: ask for a user by id or userPrincipalName, e.g. /v1.0/users/{{id}}",
                graph_message(source, None)
            )),
        ),
        Error::Graph {
            source,
            consent_url,
        } => (
            graph_code(source.kind()),
            Some(graph_message(source, consent_url.as_deref())),
        ),
    }
}

#[cfg(feature = "emulator")]
fn emulator_code(error: &entrad_emulator::Error) -> u8 {
    use entrad_emulator::Error as E;
    match error {
        E::Bind { .. }
        | E::NotLoopback(_)
        | E::InvalidFault { .. }
        | E::InvalidState { .. }
        | E::StateJson { .. }
        | E::UserJson { .. }
        | E::NoDataDir => CONFIG,
        _ => INTERNAL,
    }
}

#[cfg(feature = "emulator")]
fn emulator_message(error: &entrad_emulator::Error) -> String {
    match error {
        entrad_emulator::Error::NoDataDir => format!("{error}: pass --state-dir"),
        entrad_emulator::Error::Bind { source, .. } if source.kind() == IoErrorKind::AddrInUse => {
            format!(
                "{}; another process holds the port (an emulator started earlier?): stop it, or let the emulator pick a free port with --listen 127.0.0.1:0 (the ready line and entrad.env name it)",
                chain(error)
            )
        }
        _ => chain(error),
    }
}

fn sync_code(error: &entrad_sync::Error) -> u8 {
    use entrad_sync::ErrorKind as K;
    match (error, error.kind()) {
        (entrad_sync::Error::Graph(e), _) => graph_code(e.kind()),
        // A local database file that cannot be used as it is (read-only, not
        // a database, a directory, a full disk): fixing it takes a person.
        (_, K::Config) => CONFIG,
        // The database could not be reached or was busy: like a service down.
        (_, K::Unavailable) => UNAVAILABLE,
        _ => INTERNAL,
    }
}

fn sync_message(error: &entrad_sync::Error) -> String {
    match error.hint() {
        Some(hint) => format!("{}; {hint}", chain(error)),
        None => chain(error),
    }
}

fn auth_code(kind: AuthKind) -> u8 {
    match kind {
        AuthKind::Config => CONFIG,
        AuthKind::Authentication => AUTHENTICATION,
        AuthKind::Unavailable => UNAVAILABLE,
        _ => INTERNAL,
    }
}

fn graph_code(kind: GraphKind) -> u8 {
    match kind {
        GraphKind::Config => CONFIG,
        GraphKind::Authentication => AUTHENTICATION,
        GraphKind::Permission => PERMISSION,
        GraphKind::Unavailable => UNAVAILABLE,
        _ => INTERNAL,
    }
}

/// The libraries name their own API to fix an untrusted certificate; here
/// the fix is a flag.
fn untrusted(what: &str, message: &str) -> String {
    format!(
        "{what} TLS certificate is not trusted: {message}; trust its CA with --ca-file, e.g. the emulator's ca.pem"
    )
}

fn auth_message(error: &entrad_auth::Error) -> String {
    match error {
        entrad_auth::Error::UntrustedCertificate { message } => untrusted("the server's", message),
        entrad_auth::Error::Network { message, .. } => {
            unreachable_token_service(message).unwrap_or_else(|| chain(error))
        }
        entrad_auth::Error::NoCredential { .. } => format!(
            "{}; nothing configured? Give the app's parameters.json with --config FILE (or ENTRAD_CONFIG), or try entrad offline: `entrad demo`, or `entrad emulator --state-dir ./emu` then `set -a; . ./emu/entrad.env; set +a`",
            chain(error)
        ),
        _ => chain(error),
    }
}

/// The token service's requests, as entrad-auth names them in its network errors.
const TOKEN_SERVICE_REQUESTS: [&str; 3] = ["instance-discovery", "openid-configuration", "token"];

/// A network error on a request to the token service, said as a newcomer
/// needs it: which host did not answer, why in a few words, and what to check.
/// `None` when `message` is not one (another endpoint, or another shape).
fn unreachable_token_service(message: &str) -> Option<String> {
    // "{request}: error sending request for url ({url}): ...: {cause} (after {n} attempt(s))"
    let (request, rest) = message.split_once(": ")?;
    if !TOKEN_SERVICE_REQUESTS.contains(&request) {
        return None;
    }
    let url_start = rest.find("for url (")? + "for url (".len();
    let url_len = rest[url_start..].find(')')?;
    let url = url::Url::parse(&rest[url_start..url_start + url_len]).ok()?;
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return None,
    };
    let (detail, attempts) = match rest.rsplit_once(" (after ") {
        Some((detail, attempts)) => (detail, attempts.strip_suffix(')').unwrap_or(attempts)),
        None => (rest, ""),
    };
    let cause = detail.rsplit(": ").next().unwrap_or(detail);
    let attempts = if attempts.is_empty() {
        String::new()
    } else {
        format!(", after {attempts}")
    };
    Some(format!(
        "cannot reach the token service at {host}: {cause}{attempts}; is it running, and is the authority right (--authority, --tenant-id, AZURE_AUTHORITY_HOST or `authority` in the parameters file)? For the emulator, start `entrad emulator` first; -v shows every attempt"
    ))
}

fn graph_message(error: &entrad_graph::Error, consent_url: Option<&str>) -> String {
    use entrad_graph::Error as E;
    match error {
        E::Auth(e) => return auth_message(e),
        E::UntrustedCertificate { message } => return untrusted("Graph's", message),
        E::InsecureUrl { loopback: true, .. } => {
            return format!("{error}; pass --allow-insecure-loopback for a local test server");
        }
        E::OriginNotAllowed { .. } => {
            return format!(
                "{error}; to call another Graph, give its URL with --graph-url (or `endpoint`)"
            );
        }
        _ => {}
    }
    let Some(graph) = error.graph_error() else {
        return chain(error);
    };
    match graph.status {
        403 => refused_permission(graph, consent_url).unwrap_or_else(|| chain(error)),
        401 => format!(
            "{error}; the token is not valid for this Graph: request scope https://graph.microsoft.com/.default (or your cloud's Graph) and check the system clock"
        ),
        _ => chain(error),
    }
}

/// A 403 said as a permission to grant: the ones Graph's message names as required
/// (else that one is missing), what the token carried, and how consent is granted.
/// `None` when the 403 is not about application permissions.
fn refused_permission(
    graph: &entrad_graph::GraphError,
    consent_url: Option<&str>,
) -> Option<String> {
    let required = graph.required_permissions();
    if required.is_empty() && !graph.is_authorization_denied() {
        return None;
    }
    let fix = match consent_url {
        Some(url) => format!("ask a global admin to open {url}"),
        None => "ask a global admin to grant admin consent (`entrad consent-url` prints the link)"
            .to_owned(),
    };
    // The emulator serves loopback only; its admin API grants roles directly.
    let emulator = if consent_url.is_some_and(is_loopback_url) {
        "; in the emulator, POST /_emulator/consent {\"client_id\":..,\"granted\":true,\"roles\":[..]} grants them"
    } else {
        ""
    };
    let carried = match graph.token_roles.as_deref() {
        Some([]) => "its token carries no roles".to_owned(),
        Some(roles) => format!("its token carries {}", roles.join(", ")),
        None => "its token's roles are unknown".to_owned(),
    };
    let message = &graph.message;
    Some(match (required.as_slice(), graph.token_roles.as_deref()) {
        ([], None | Some([])) => format!(
            "Graph refused: {message} The app has no admin consent for its application permissions (e.g. User.Read.All): {fix}{emulator}"
        ),
        ([], Some(_)) => format!(
            "Graph refused: {message} The app lacks an application permission this operation needs ({carried}; Graph's reference page for the operation lists the ones that allow it): add it to the app registration, then {fix}{emulator}{STALE}"
        ),
        (required, _) => format!(
            "Graph refused: {message} The app needs one of the application permissions {} ({carried}): add one to the app registration, then {fix}{emulator}{STALE}",
            required.join(", ")
        ),
    })
}

/// A token keeps the roles it was issued with: after a grant, a cached one still lacks it.
const STALE: &str =
    "; a cached token keeps its roles until it expires (`--cache memory` gets a new one)";

/// Whether `url`'s host is a loopback address or `localhost`.
fn is_loopback_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use entrad_graph::GraphError;

    use super::*;

    fn graph(status: u16, body: &str) -> entrad_graph::Error {
        entrad_graph::Error::Graph(Box::new(GraphError::parse(
            status,
            body.as_bytes(),
            None,
            None,
        )))
    }

    #[test]
    fn authorization_denied_gives_the_consent_url_on_one_line() {
        let source = graph(
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
        );
        let url = "https://login.microsoftonline.com/t/adminconsent?client_id=c".to_owned();
        let (code, message) = outcome(&Error::Graph {
            source,
            consent_url: Some(url),
        });
        assert_eq!(code, PERMISSION);
        assert_eq!(
            message.unwrap(),
            "Graph refused: Insufficient privileges to complete the operation. The app has no admin consent for its application permissions (e.g. User.Read.All): ask a global admin to open https://login.microsoftonline.com/t/adminconsent?client_id=c"
        );
    }

    fn refused(body: &str, roles: Option<&[&str]>) -> entrad_graph::Error {
        let mut error = GraphError::parse(403, body.as_bytes(), None, None);
        error.token_roles = roles.map(|r| r.iter().map(|r| r.to_string()).collect());
        entrad_graph::Error::Graph(Box::new(error))
    }

    #[test]
    fn a_403_naming_the_required_permissions_names_them_and_the_tokens_roles() {
        let source = refused(
            r#"{"error":{"code":"Forbidden","message":"Missing role permissions on the request. API requires one of 'User.Read.All, User.ReadWrite.All'. Roles on the request 'Group.Read.All'."}}"#,
            Some(&["Group.Read.All"]),
        );
        let (code, message) = outcome(&Error::Graph {
            source,
            consent_url: None,
        });
        assert_eq!(code, PERMISSION);
        let message = message.unwrap();
        assert!(
            message.contains("The app needs one of the application permissions User.Read.All, User.ReadWrite.All (its token carries Group.Read.All)"),
            "{message}"
        );
        assert!(message.contains("`entrad consent-url`"), "{message}");
        assert!(!message.contains("/_emulator/"), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    }

    #[test]
    fn a_denied_write_lists_the_roles_the_token_has_and_the_emulators_grant() {
        let source = refused(
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
            Some(&["User.Read.All", "GroupMember.Read.All"]),
        );
        let url = "https://127.0.0.1:8443/t/adminconsent?client_id=c".to_owned();
        let (code, message) = outcome(&Error::Graph {
            source,
            consent_url: Some(url),
        });
        assert_eq!(code, PERMISSION);
        let message = message.unwrap();
        assert!(
            message.starts_with("Graph refused: Insufficient privileges to complete the operation. The app lacks an application permission this operation needs (its token carries User.Read.All, GroupMember.Read.All;"),
            "{message}"
        );
        assert!(
            message.contains(
                "ask a global admin to open https://127.0.0.1:8443/t/adminconsent?client_id=c"
            ),
            "{message}"
        );
        assert!(message.contains("POST /_emulator/consent"), "{message}");
        // A 403 about something else keeps Graph's words alone.
        let other = refused(
            r#"{"error":{"code":"Forbidden","message":"The tenant is locked."}}"#,
            Some(&["User.Read.All"]),
        );
        let message = outcome(&Error::Graph {
            source: other,
            consent_url: None,
        })
        .1
        .unwrap();
        assert!(!message.contains("application permission"), "{message}");
    }

    #[test]
    fn refused_urls_say_which_flag_fixes_them() {
        let insecure = entrad_graph::Error::InsecureUrl {
            origin: "http://127.0.0.1:8080".into(),
            loopback: true,
        };
        let (code, message) = outcome(&Error::Graph {
            source: insecure,
            consent_url: None,
        });
        assert_eq!(code, CONFIG);
        assert!(
            message
                .unwrap()
                .ends_with("pass --allow-insecure-loopback for a local test server")
        );
        let remote = entrad_graph::Error::InsecureUrl {
            origin: "http://graph.example".into(),
            loopback: false,
        };
        let message = outcome(&Error::Graph {
            source: remote,
            consent_url: None,
        })
        .1
        .unwrap();
        assert!(!message.contains("--allow-insecure-loopback"), "{message}");
        let elsewhere = entrad_graph::Error::OriginNotAllowed {
            origin: "https://evil.example".into(),
        };
        let (code, message) = outcome(&Error::Graph {
            source: elsewhere,
            consent_url: None,
        });
        assert_eq!(code, CONFIG);
        assert!(message.unwrap().contains("--graph-url"));
    }

    #[test]
    fn codes_by_kind() {
        assert_eq!(outcome(&Error::Config("x".into())).0, CONFIG);
        let unavailable = entrad_graph::Error::Network {
            message: "refused".into(),
            attempts: 4,
        };
        assert_eq!(
            outcome(&Error::Graph {
                source: unavailable,
                consent_url: None
            })
            .0,
            UNAVAILABLE
        );
        assert_eq!(
            outcome(&Error::Graph {
                source: graph(401, "{}"),
                consent_url: None
            })
            .0,
            PERMISSION
        );
        assert_eq!(
            outcome(&Error::Graph {
                source: graph(404, "{}"),
                consent_url: None
            })
            .0,
            CONFIG
        );
        assert_eq!(
            outcome(&Error::Auth(entrad_auth::Error::Credential(
                "bad key".into()
            )))
            .0,
            CONFIG
        );
        let pipe = std::io::Error::from(IoErrorKind::BrokenPipe);
        assert_eq!(outcome(&Error::Output(pipe)), (0, None));
    }

    #[test]
    fn an_untrusted_certificate_gets_the_flag_that_trusts_it() {
        let auth = entrad_auth::Error::UntrustedCertificate {
            message: "token: invalid peer certificate: UnknownIssuer".into(),
        };
        assert!(!auth.to_string().contains("--ca-file"), "{auth}");
        let graph = entrad_graph::Error::UntrustedCertificate {
            message: "GET https://g: invalid peer certificate: UnknownIssuer".into(),
        };
        let errors = [
            Error::Auth(auth.clone()),
            Error::Graph {
                source: entrad_graph::Error::Auth(auth),
                consent_url: None,
            },
            Error::Graph {
                source: graph,
                consent_url: None,
            },
        ];
        for error in errors {
            let (code, message) = outcome(&error);
            let message = message.unwrap();
            assert_eq!(code, CONFIG, "{message}");
            assert!(
                message.contains("invalid peer certificate: UnknownIssuer"),
                "{message}"
            );
            assert!(message.contains("trust its CA with --ca-file"), "{message}");
        }
    }

    #[test]
    fn an_unreachable_token_service_is_named_with_the_question_to_ask() {
        let refused = entrad_auth::Error::Network {
            message: "instance-discovery: error sending request for url (https://127.0.0.1:1/common/discovery/instance?api-version=1.1&authorization_endpoint=https%3A%2F%2F127.0.0.1%3A1%2Fx%2Foauth2%2Fv2.0%2Fauthorize): client error (Connect): tcp connect error: Connection refused (os error 111) (after 4 attempt(s))".into(),
            client_request_id: None,
        };
        let (code, message) = outcome(&Error::Auth(refused));
        assert_eq!(code, UNAVAILABLE);
        let message = message.unwrap();
        assert!(
            message.starts_with("cannot reach the token service at 127.0.0.1:1: Connection refused (os error 111), after 4 attempt(s); is it running"),
            "{message}"
        );
        assert!(!message.contains("instance-discovery"), "{message}");
        // Another endpoint (a managed identity's) keeps its own line.
        let imds = entrad_auth::Error::Network {
            message: "IMDS: error sending request for url (http://169.254.169.254/x): timed out"
                .into(),
            client_request_id: None,
        };
        assert_eq!(outcome(&Error::Auth(imds.clone())).1.unwrap(), chain(&imds));
    }

    #[test]
    fn graph_refusing_me_says_app_only_tokens_have_no_user() {
        let (code, message) = outcome(&Error::NoSignedInUser(graph(
            400,
            r#"{"error":{"code":"BadRequest","message":"/me request is only valid with delegated authentication flow."}}"#,
        )));
        assert_eq!(code, CONFIG);
        let message = message.unwrap();
        assert!(message.contains("only valid with delegated"), "{message}");
        assert!(
            message.contains("app-only token has no signed-in user"),
            "{message}"
        );
        assert!(message.contains("/v1.0/users/{id}"), "{message}");
    }

    #[test]
    fn the_line_holds_every_cause_once() {
        let output = Error::Output(std::io::Error::other("disk full"));
        assert_eq!(
            outcome(&output),
            (
                INTERNAL,
                Some("cannot write the output: disk full".to_owned())
            )
        );
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn an_emulator_error_holds_every_cause_once_with_the_flag_advice() {
        let bind = Error::Emulator(entrad_emulator::Error::Bind {
            addr: "127.0.0.1:1".parse().unwrap(),
            source: std::io::Error::other("permission denied"),
        });
        assert_eq!(
            outcome(&bind).1.unwrap(),
            "cannot listen on 127.0.0.1:1: permission denied"
        );
        let in_use = Error::Emulator(entrad_emulator::Error::Bind {
            addr: "127.0.0.1:8443".parse().unwrap(),
            source: std::io::Error::from(IoErrorKind::AddrInUse),
        });
        let (code, message) = outcome(&in_use);
        assert_eq!(code, CONFIG);
        assert!(
            message.unwrap().contains("--listen 127.0.0.1:0"),
            "a free port is one flag away"
        );
        let no_dir = Error::Emulator(entrad_emulator::Error::NoDataDir);
        assert!(outcome(&no_dir).1.unwrap().ends_with("pass --state-dir"));
    }
}
