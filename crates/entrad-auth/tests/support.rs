//! What this crate's test areas share: the fixtures, a client of the test app
//! for a wiremock token service of the tenant `tenant-1` (entrad-testkit), and
//! captured logs.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entrad_auth::{
    AccessToken, Authority, ClientBuilder, ConfidentialClient, Credential, HttpOptions, RetryPolicy,
};
use entrad_testkit::token_service;
pub use entrad_testkit::token_service::{entra_error, form, header, requests_to, token_ok};
use wiremock::{MockServer, Request, ResponseTemplate};

pub const TENANT: &str = "tenant-1";
pub const CLIENT_ID: &str = "client-1";
pub const GRAPH: &str = "https://graph.microsoft.com/.default";
pub const SECRET: &str = "s3cr3t-VALUE~do-not-leak";

pub const KEY_PEM: &[u8] = include_bytes!("fixtures/app-key.pem");
pub const CERT_PEM: &[u8] = include_bytes!("fixtures/app-cert.pem");
pub const PFX: &[u8] = include_bytes!("fixtures/app.pfx");
pub const PFX_PASSWORD: &str = "fixture-pfx-password";
pub const THUMBPRINT: &str = "E77928A6454F3902D3C758F9AFFBF5E28F15A955";

pub fn token_path() -> String {
    token_service::token_path(TENANT)
}

pub fn metadata_path() -> String {
    token_service::metadata_path(TENANT)
}

pub fn token_endpoint(server: &MockServer) -> String {
    token_service::token_endpoint(server, TENANT)
}

/// A server answering the OIDC metadata, as Entra does for `{tenant}`.
pub async fn server() -> MockServer {
    token_service::start(TENANT).await
}

/// A server answering the OIDC metadata, and every token request with `response`.
pub async fn server_answering(response: ResponseTemplate) -> MockServer {
    token_service::answering(TENANT, response).await
}

/// Answers every request for the tenant's OIDC metadata with `response`.
pub async fn mount_metadata(server: &MockServer, response: ResponseTemplate) {
    token_service::mount_metadata(server, TENANT, response).await;
}

/// Answers every token request with `response`.
pub async fn mount_token(server: &MockServer, response: ResponseTemplate) {
    token_service::mount_token(server, TENANT, response).await;
}

/// Answers the next `n` token requests with `response`, ahead of other mocks.
pub async fn mount_token_times(server: &MockServer, n: u64, response: ResponseTemplate) {
    token_service::mount_token_times(server, TENANT, n, response).await;
}

/// Quick retries so that tests do not sleep for long.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
}

pub fn builder(server: &MockServer, credential: Credential) -> ClientBuilder {
    let authority = Authority::parse(&format!("{}/{TENANT}", server.uri())).expect("authority");
    ConfidentialClient::builder(CLIENT_ID, authority, credential)
        .allow_insecure_loopback(true)
        .instance_discovery(false)
        .http(HttpOptions::new().with_retry_policy(fast_retries()))
}

pub fn secret_client(server: &MockServer) -> ConfidentialClient {
    builder(server, Credential::secret(SECRET))
        .build()
        .expect("client")
}

/// What a fresh client (no token of its own) on `store` gets from `server`: a
/// token from the cache proves the store itself kept it.
pub async fn fresh_client_token(
    server: &MockServer,
    store: std::sync::Arc<dyn entrad_auth::TokenCache>,
) -> AccessToken {
    builder(server, Credential::secret(SECRET))
        .cache(store)
        .build()
        .expect("client")
        .acquire_token(&[GRAPH])
        .await
        .expect("a token")
}

/// What a client with the secret gets when it asks `server` for a Graph token.
pub async fn acquire(server: &MockServer) -> entrad_auth::Result<AccessToken> {
    secret_client(server).acquire_token(&[GRAPH]).await
}

pub async fn token_requests(server: &MockServer) -> Vec<Request> {
    requests_to(server, &token_path()).await
}

/// Log output kept in memory, to look for leaks and count warnings.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// A subscriber writing every level here, without colours.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }
}

/// A client of the in-process emulator's consented app with `credential`.
pub fn emulator_client(
    emulator: &entrad_testkit::InProcess,
    credential: Credential,
) -> ConfidentialClient {
    let p = emulator.parameters("parameters.json");
    ConfidentialClient::builder(
        p["client_id"].as_str().unwrap(),
        entrad_auth::Authority::parse(p["authority"].as_str().unwrap()).unwrap(),
        credential,
    )
    .http(HttpOptions::new().with_ca_file(emulator.dir.path().join("ca.pem")))
    .build()
    .unwrap()
}
