//! A loopback token service (wiremock) and helpers shared by the tests.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entrad_auth::{
    AccessToken, Authority, ClientBuilder, ConfidentialClient, Credential, RetryPolicy,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TENANT: &str = "tenant-1";
pub const CLIENT_ID: &str = "client-1";
pub const GRAPH: &str = "https://graph.microsoft.com/.default";
pub const SECRET: &str = "s3cr3t-VALUE~do-not-leak";

pub const KEY_PEM: &[u8] = include_bytes!("../fixtures/app-key.pem");
pub const CERT_PEM: &[u8] = include_bytes!("../fixtures/app-cert.pem");
pub const PFX: &[u8] = include_bytes!("../fixtures/app.pfx");
pub const PFX_PASSWORD: &str = "fixture-pfx-password";
pub const THUMBPRINT: &str = "E77928A6454F3902D3C758F9AFFBF5E28F15A955";

pub fn token_path() -> String {
    format!("/{TENANT}/oauth2/v2.0/token")
}

pub fn metadata_path() -> String {
    format!("/{TENANT}/v2.0/.well-known/openid-configuration")
}

pub fn token_endpoint(server: &MockServer) -> String {
    format!("{}{}", server.uri(), token_path())
}

/// A server answering the OIDC metadata, as Entra does for `{tenant}`.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_metadata(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "token_endpoint": token_endpoint(&server),
            "issuer": format!("{}/{TENANT}/v2.0", server.uri()),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        })),
    )
    .await;
    server
}

/// A server answering the OIDC metadata, and every token request with `response`.
pub async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = server().await;
    mount_token(&server, response).await;
    server
}

/// Answers every request for the tenant's OIDC metadata with `response`.
pub async fn mount_metadata(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(metadata_path()))
        .respond_with(response)
        .mount(server)
        .await;
}

/// A token success body.
pub fn token_body(access_token: &str, expires_in: u64) -> Value {
    json!({
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    })
}

/// A token success answer.
pub fn token_ok(access_token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(token_body(access_token, expires_in))
}

/// Answers every token request with `response`.
pub async fn mount_token(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Answers the next `n` token requests with `response`, ahead of other mocks.
pub async fn mount_token_times(server: &MockServer, n: u64, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(response)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(server)
        .await;
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
        .retry_policy(fast_retries())
}

pub fn secret_client(server: &MockServer) -> ConfidentialClient {
    builder(server, Credential::secret(SECRET))
        .build()
        .expect("client")
}

/// What a client with the secret gets when it asks `server` for a Graph token.
pub async fn acquire(server: &MockServer) -> entrad_auth::Result<AccessToken> {
    secret_client(server).acquire_token(&[GRAPH]).await
}

pub async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

pub async fn token_requests(server: &MockServer) -> Vec<Request> {
    requests_to(server, &token_path()).await
}

pub fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// An Entra-style error body.
pub fn entra_error(error: &str, code: u32, description: &str) -> Value {
    json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 0000-trace\r\nCorrelation ID: 0000-corr\r\nTimestamp: 2024-05-01 10:00:00Z"),
        "error_codes": [code],
        "timestamp": "2024-05-01 10:00:00Z",
        "trace_id": "0000-trace",
        "correlation_id": "0000-corr",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
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
