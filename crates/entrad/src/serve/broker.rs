//! The broker: routes a request, checks it, and hands out a token from the upstream.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use entrad_auth::ErrorKind;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};

use crate::report::chain;
use crate::serve::guard::{self, Refusal};
use crate::serve::header_secret::HeaderSecret;
use crate::serve::listener::Peer;
use crate::serve::metrics::{Metrics, Protocol};
use crate::serve::resource::AllowedResources;
use crate::serve::slots::{self, Slots};
use crate::serve::{Upstream, app_service, audit, health, imds, reply};

/// Query parameters that name another identity than the broker's app.
const OTHER_IDENTITY_PARAMETERS: [&str; 4] =
    ["object_id", "principal_id", "mi_res_id", "msi_res_id"];

/// Everything a request needs; shared by all connections.
#[derive(Debug)]
pub struct Broker {
    /// Where tokens come from.
    pub upstream: Upstream,
    /// The app the tokens are for (answered as `client_id`).
    pub client_id: String,
    /// What may be asked for.
    pub allowed: AllowedResources,
    /// The App Service header's secret.
    pub secret: HeaderSecret,
    /// Whether the IMDS form is served.
    pub imds: bool,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// The listeners' connection slots, for `/metrics`.
    pub connections: Vec<Arc<Slots>>,
}

impl Broker {
    /// The identity answered as `client_id`: the configured app, else (a
    /// managed identity or the chain upstream, whose client id the
    /// configuration need not name) the token's own: `appid` (v1 tokens) or
    /// `azp` (v2).
    fn client_id_of(&self, token: &entrad_auth::AccessToken) -> String {
        if !self.client_id.is_empty() {
            return self.client_id.clone();
        }
        token
            .claims()
            .ok()
            .and_then(|claims| {
                ["appid", "azp"]
                    .iter()
                    .find_map(|name| claims.get(*name)?.as_str().map(str::to_owned))
            })
            .unwrap_or_default()
    }

    /// Answers one request from `peer`.
    pub async fn handle<B>(&self, request: Request<B>, peer: &Peer) -> Response<Full<Bytes>> {
        let start = Instant::now();
        let response = self.route(&request, peer).await;
        self.metrics.observe(start.elapsed());
        response
    }

    async fn route<B>(&self, request: &Request<B>, peer: &Peer) -> Response<Full<Bytes>> {
        let path = request.uri().path();
        // Clients differ on a trailing slash (MSAL Node asks IMDS for `.../token/`).
        let path = match path.trim_end_matches('/') {
            "" => path,
            trimmed => trimmed,
        };
        let protocol = match path {
            app_service::PATH => Some(Protocol::AppService),
            imds::PATH if self.imds => Some(Protocol::Imds),
            _ => None,
        };
        if let Err(refusal) = guard::check(request) {
            return self.refuse(protocol, &refusal);
        }
        match (path, protocol) {
            (_, Some(protocol)) => match self.token(protocol, request, peer).await {
                Ok(response) => response,
                Err(refusal) => self.refuse(Some(protocol), &refusal),
            },
            ("/healthz", None) => health::response(),
            ("/metrics", None) => {
                let mut text = self.metrics.render();
                slots::render_help(&mut text);
                for slots in &self.connections {
                    slots.render(&mut text);
                }
                reply::with(
                    StatusCode::OK,
                    text,
                    "text/plain; version=0.0.4; charset=utf-8",
                )
            }
            _ => self.refuse(
                None,
                &Refusal::new(
                    StatusCode::NOT_FOUND,
                    "path",
                    format!(
                        "no route {path}: tokens are at {} (and {} with --imds)",
                        app_service::PATH,
                        imds::PATH
                    ),
                ),
            ),
        }
    }

    /// The error answer in the protocol's shape (App Service's for other paths).
    fn refuse(&self, protocol: Option<Protocol>, refusal: &Refusal) -> Response<Full<Bytes>> {
        if refusal.reason != "upstream" {
            self.metrics.refused(refusal.reason);
        }
        match protocol {
            Some(Protocol::Imds) => imds::error(refusal.status, &refusal.message),
            _ => app_service::error(refusal.status, &refusal.message),
        }
    }

    async fn token<B>(
        &self,
        protocol: Protocol,
        request: &Request<B>,
        peer: &Peer,
    ) -> Result<Response<Full<Bytes>>, Refusal> {
        match protocol {
            Protocol::AppService => app_service::authorize(request, &self.secret)?,
            Protocol::Imds => imds::authorize(request)?,
        }
        let query: HashMap<String, String> = request
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let bad = |message: String| Refusal::new(StatusCode::BAD_REQUEST, "parameters", message);
        match (protocol, query.get("api-version").map(String::as_str)) {
            (_, None) => return Err(bad("api-version is missing".to_owned())),
            (Protocol::AppService, Some(version)) if version != app_service::API_VERSION => {
                return Err(bad(format!(
                    "api-version {version} is not served: use {}",
                    app_service::API_VERSION
                )));
            }
            _ => {}
        }
        let asked_client_id = query.get("client_id");
        if let Some(asked) = asked_client_id
            && !self.client_id.is_empty()
        {
            other_identity(asked, &self.client_id)?;
        }
        if let Some(name) = OTHER_IDENTITY_PARAMETERS
            .iter()
            .find(|p| query.contains_key(**p))
        {
            return Err(bad(format!(
                "{name} names a user-assigned identity: this broker serves one identity only (drop {name})"
            )));
        }
        let requested = query
            .get("resource")
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| {
                bad("resource is missing, e.g. resource=https://graph.microsoft.com".to_owned())
            })?;
        let resource = self
            .allowed
            .check(requested)
            .map_err(|message| Refusal::new(StatusCode::BAD_REQUEST, "resource", message))?;
        let token = match self
            .upstream
            .acquire_token(&[resource.scope.as_str()])
            .await
        {
            Ok(token) => token,
            Err(error) => {
                let (kind, status) = match error.kind() {
                    ErrorKind::Unavailable => ("unavailable", StatusCode::SERVICE_UNAVAILABLE),
                    ErrorKind::Authentication => {
                        ("authentication", StatusCode::INTERNAL_SERVER_ERROR)
                    }
                    ErrorKind::Config => ("config", StatusCode::INTERNAL_SERVER_ERROR),
                    _ => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
                };
                self.metrics.upstream_error(kind);
                let message = format!("no token from the token service: {}", chain(&error));
                tracing::warn!(caller = %peer, kind, "{message}");
                return Err(Refusal::new(status, "upstream", message));
            }
        };
        // A managed identity or chain upstream: its identity is the token's own,
        // known only now. A caller naming another must not get this one's token.
        if let Some(asked) = asked_client_id
            && self.client_id.is_empty()
        {
            other_identity(asked, &self.client_id_of(&token))?;
        }
        let expires_on = token.expires_on();
        let request_id = (!token.from_cache())
            .then(|| token.client_request_id())
            .flatten();
        let origin = self
            .metrics
            .token_served(protocol, &resource.scope, request_id, expires_on);
        audit::token_issued(peer, protocol, &resource.requested, origin, expires_on);
        let client_id = self.client_id_of(&token);
        Ok(match protocol {
            Protocol::AppService => {
                app_service::success(token.secret(), expires_on, &resource.requested, &client_id)
            }
            Protocol::Imds => {
                imds::success(token.secret(), expires_on, &resource.requested, &client_id)
            }
        })
    }
}

/// Refuses a `client_id` that is not `own` (the broker's identity; empty when
/// the token names none, so nothing can match).
fn other_identity(asked: &str, own: &str) -> Result<(), Refusal> {
    if !own.is_empty() && asked.eq_ignore_ascii_case(own) {
        return Ok(());
    }
    let serves = if own.is_empty() {
        "an identity whose client id its tokens do not name".to_owned()
    } else {
        format!("the identity {own} only")
    };
    Err(Refusal::new(
        StatusCode::BAD_REQUEST,
        "parameters",
        format!(
            "client_id {asked} is not this broker's identity: it serves {serves} (drop client_id)"
        ),
    ))
}
