//! What the Graph client's test areas share: a wiremock token service (from
//! entrad-testkit) for the tenant `tenant`, a Graph client of it with quick
//! retries, and Graph pages.

use std::time::Duration;

use entrad_auth::{Authority, ClientBuilder, ConfidentialClient, Credential, RetryPolicy};
use entrad_graph::{GraphClient, HttpOptions};
use entrad_testkit::token_service;
use serde_json::{Value, json};
use url::Url;
use wiremock::{MockServer, ResponseTemplate};

/// The access token the token service issues.
pub const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.";

/// The tenant of the token service.
pub const TENANT: &str = "tenant";

/// The tenant's token endpoint path.
pub fn token_path() -> String {
    token_service::token_path(TENANT)
}

/// The tenant's OIDC metadata, pointing at the token endpoint.
pub async fn metadata(server: &MockServer) {
    let metadata = token_service::metadata_body(server, TENANT);
    token_service::mount_metadata(
        server,
        TENANT,
        ResponseTemplate::new(200).set_body_json(metadata),
    )
    .await;
}

/// The metadata, and every token request answered with [`TOKEN`].
pub async fn token_service(server: &MockServer) {
    metadata(server).await;
    token_service::mount_token(server, TENANT, token_service::token_ok(TOKEN, 3599)).await;
}

/// A token client of the test app for `server`.
pub fn auth_builder(server: &MockServer) -> ClientBuilder {
    let authority = Authority::parse(&format!("{}/{TENANT}", server.uri())).unwrap();
    ConfidentialClient::builder("client", authority, Credential::secret("s3cret"))
        .allow_insecure_loopback(true)
        .instance_discovery(false)
}

/// A built [`auth_builder`].
pub fn auth(server: &MockServer) -> ConfidentialClient {
    auth_builder(server).build().unwrap()
}

/// `attempts` quick retries, so that tests do not sleep for long.
pub fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
}

/// A token service and a Graph client for it (3 quick attempts).
pub async fn setup() -> (MockServer, GraphClient) {
    let server = MockServer::start().await;
    token_service(&server).await;
    let graph = GraphClient::builder(auth(&server))
        .base_url(Url::parse(&server.uri()).unwrap())
        .allow_insecure_loopback(true)
        .http(HttpOptions::new().with_retry_policy(quick_retries(3)))
        .build()
        .unwrap();
    (server, graph)
}

/// A page of users `ids`, linking to `next` (a path) if any.
pub fn page(server: &MockServer, ids: std::ops::Range<u32>, next: Option<&str>) -> Value {
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users", server.uri()),
        "value": ids.map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(format!("{}{next}", server.uri()));
    }
    body
}

/// How many pages of users the server has been asked for.
pub async fn user_pages_requested(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path() == "/v1.0/users")
        .count()
}
