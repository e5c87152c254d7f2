//! A token service on loopback http (wiremock), for narrow client cases the
//! emulator cannot produce (garbled answers, exact retry sequences).

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// `/{tenant}/oauth2/v2.0/token`.
pub fn token_path(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/token")
}

/// `/{tenant}/v2.0/.well-known/openid-configuration`.
pub fn metadata_path(tenant: &str) -> String {
    format!("/{tenant}/v2.0/.well-known/openid-configuration")
}

/// The tenant's token endpoint on `server`.
pub fn token_endpoint(server: &MockServer, tenant: &str) -> String {
    format!("{}{}", server.uri(), token_path(tenant))
}

/// The tenant's OIDC metadata on `server`, as Entra answers it.
pub fn metadata_body(server: &MockServer, tenant: &str) -> Value {
    let uri = server.uri();
    json!({
        "token_endpoint": token_endpoint(server, tenant),
        "authorization_endpoint": format!("{uri}/{tenant}/oauth2/v2.0/authorize"),
        "issuer": format!("{uri}/{tenant}/v2.0"),
        "jwks_uri": format!("{uri}/{tenant}/discovery/v2.0/keys"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
    })
}

/// A server answering the tenant's OIDC metadata (and nothing else yet).
pub async fn start(tenant: &str) -> MockServer {
    let server = MockServer::start().await;
    let metadata = ResponseTemplate::new(200).set_body_json(metadata_body(&server, tenant));
    mount_metadata(&server, tenant, metadata).await;
    server
}

/// A server answering the tenant's OIDC metadata, and every token request with `response`.
pub async fn answering(tenant: &str, response: ResponseTemplate) -> MockServer {
    let server = start(tenant).await;
    mount_token(&server, tenant, response).await;
    server
}

/// Answers every request for the tenant's OIDC metadata with `response`.
pub async fn mount_metadata(server: &MockServer, tenant: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(metadata_path(tenant)))
        .respond_with(response)
        .mount(server)
        .await;
}

/// A mock answering the tenant's token requests with `response`.
fn token_mock(tenant: &str, response: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(path(token_path(tenant)))
        .respond_with(response)
}

/// Answers every token request with `response`.
pub async fn mount_token(server: &MockServer, tenant: &str, response: ResponseTemplate) {
    token_mock(tenant, response).mount(server).await;
}

/// Answers the next `n` token requests with `response`, ahead of other mocks.
pub async fn mount_token_times(
    server: &MockServer,
    tenant: &str,
    n: u64,
    response: ResponseTemplate,
) {
    token_mock(tenant, response)
        .up_to_n_times(n)
        .with_priority(1)
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

/// An Entra-style error body with its AADSTS code.
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

/// The requests `server` received on `route` (a path).
///
/// # Panics
/// When the server does not record requests (wiremock records by default).
pub async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("wiremock records requests")
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

/// A request's form-encoded body.
pub fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

/// A request's header, if present and text.
pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}
