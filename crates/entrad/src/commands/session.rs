//! The token source and the Graph client, built from the settings.

use std::sync::Arc;

use entrad_auth::{
    Authority, ConfidentialClient, HttpOptions, KeyStorage, RetryPolicy, TokenSource,
};
use entrad_graph::{GraphAuth, GraphClient};

use crate::commands::failure::Failure;
use crate::config::{Settings, TokenSourceSpec, load_credential, plain_http};
use crate::error::Error;

/// What a command that calls Graph needs.
pub struct Session {
    /// The merged configuration.
    pub settings: Settings,
    /// Token acquisition: the app's client, a managed identity or the chain.
    pub auth: Arc<dyn TokenSource>,
    /// Graph calls, with tokens from `auth`.
    pub graph: GraphClient,
    /// Where the credential's private key is held (certificate credentials).
    pub key_storage: Option<KeyStorage>,
    /// The app's admin consent URL (for the app's own credential only).
    consent_url: Option<String>,
}

/// The authority, checked by entrad-auth; a refusal names where the URL came from.
pub fn authority(settings: &Settings) -> Result<Authority, Error> {
    let (url, origin) = settings.authority()?;
    Authority::parse(url).map_err(|e| Error::Config(format!("{origin}: {e}")))
}

impl Session {
    /// Builds both clients; fails on configuration errors before any request.
    pub fn open(settings: Settings) -> Result<Session, Error> {
        let http = http_options(&settings)?;
        let mut key_storage = None;
        let (auth, graph_auth, consent_url): (Arc<dyn TokenSource>, GraphAuth, _) =
            match &settings.token_source {
                TokenSourceSpec::App => {
                    let (client, storage, consent_url) = confidential(&settings, &http)?;
                    key_storage = storage;
                    (Arc::new(client.clone()), client.into(), Some(consent_url))
                }
                spec => {
                    let source = super::token_source::open(&settings, spec, &http)?;
                    (source.clone(), GraphAuth::new(source), None)
                }
            };
        let mut graph = GraphClient::builder(graph_auth)
            .base_url(settings.graph_url.clone())
            .allow_insecure_loopback(settings.allow_insecure_loopback)
            .scope(settings.scopes.join(" "));
        // The app's token client lends Graph its HTTP client (one pool of
        // connections); another source's Graph requests get their own.
        if !matches!(settings.token_source, TokenSourceSpec::App) {
            graph = graph.http(http);
        }
        // `entrad run` calls `endpoint` even when --graph-url names another Graph.
        if let Ok(endpoint) = settings.endpoint() {
            graph = graph.allow_origin(endpoint.clone());
        }
        let graph = graph.build().map_err(|source| Error::Graph {
            source,
            consent_url: None,
        })?;
        Ok(Session {
            settings,
            auth,
            graph,
            key_storage,
            consent_url,
        })
    }

    /// A Graph failure, with the admin consent URL for the message of a 403.
    pub fn graph_error(&self, source: entrad_graph::Error) -> Error {
        Error::Graph {
            source,
            consent_url: self.consent_url.clone(),
        }
    }

    /// Logs which source served the tokens and how many token and Graph
    /// requests were repeated after a busy answer or a network failure
    /// (`info`: shown with `-v`).
    pub fn report_retries(&self) {
        let (token, graph) = (self.auth.retries(), self.graph.retries());
        let source = self.auth.source_name();
        tracing::info!(
            token_retries = token,
            graph_retries = graph,
            "tokens from {source}; retried {token} token request(s) and {graph} Graph request(s)"
        );
    }

    /// Why a listing stopped, as the CLI's error.
    pub fn failure(&self, failure: Failure) -> Error {
        match failure {
            Failure::Graph(e) => self.graph_error(e),
            Failure::Output(e) => Error::Output(e),
        }
    }
}

/// The app's own client (the quickstart's credential), where its key is held
/// and its admin consent URL.
fn confidential(
    settings: &Settings,
    http: &HttpOptions,
) -> Result<(ConfidentialClient, Option<KeyStorage>, String), Error> {
    // The token request carries the secret: the authority's scheme is
    // checked here, where the message can name the flag.
    if let Ok((url, origin)) = settings.authority()
        && let Ok(parsed) = url::Url::parse(url.trim())
    {
        plain_http::check(&parsed, origin, settings.allow_insecure_loopback)?;
    }
    let authority = authority(settings)?;
    let client_id = settings.client_id()?.to_owned();
    let credential = load_credential(settings.credential()?)?;
    let key_storage = credential.key_storage();
    let consent_url = authority.admin_consent_url(&client_id).to_string();
    let builder = ConfidentialClient::builder(client_id, authority, credential)
        .http(http.clone())
        .allow_insecure_loopback(settings.allow_insecure_loopback)
        .instance_discovery(settings.instance_discovery)
        .client_capabilities(settings.client_capabilities.iter().cloned())
        .cache(settings.cache.build()?);
    Ok((builder.build()?, key_storage, consent_url))
}

/// How every client talks HTTP: `--timeout`, `--ca-file`, `--max-attempts`.
fn http_options(settings: &Settings) -> Result<HttpOptions, Error> {
    let mut http = HttpOptions::new();
    if let Some(ca_file) = &settings.ca_file {
        // The clients read it when built; a clear message for the common mistake first.
        check_ca_file(ca_file)?;
        http = http.with_ca_file(ca_file.clone());
    }
    if let Some(timeout) = settings.timeout {
        http = http.with_timeout(timeout);
    }
    if let Some(attempts) = settings.max_attempts {
        http = http.with_retry_policy(RetryPolicy::default().with_max_attempts(attempts));
    }
    Ok(http)
}

/// `--ca-file` exists (a clear message before entrad-auth reads it).
fn check_ca_file(ca_file: &std::path::Path) -> Result<(), Error> {
    std::fs::metadata(ca_file)
        .map(drop)
        .map_err(|e| Error::Config(format!("cannot read --ca-file {}: {e}", ca_file.display())))
}
