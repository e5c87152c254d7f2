//! Instance discovery and generic OIDC issuers.

use entrad_auth::{Authority, ConfidentialClient, Credential, ErrorKind};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const DISCOVERY: &str = "/common/discovery/instance";

fn discovering_client(server: &MockServer) -> ConfidentialClient {
    builder(server, Credential::secret(SECRET))
        .instance_discovery(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_unknown_host_is_asked_itself_and_its_metadata_url_is_used() {
    let server = MockServer::start().await;
    let host = server.address().to_string();
    let elsewhere = format!("/{TENANT}/elsewhere/openid-configuration");
    Mock::given(method("GET"))
        .and(path(DISCOVERY))
        .and(query_param("api-version", "1.1"))
        .and(query_param(
            "authorization_endpoint",
            format!("http://{host}/{TENANT}/oauth2/v2.0/authorize"),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tenant_discovery_endpoint": format!("{}{elsewhere}", server.uri()),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(elsewhere.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_endpoint": token_endpoint(&server)
        })))
        .mount(&server)
        .await;
    mount_token(&server, token_ok("token-A", 3599)).await;
    let client = discovering_client(&server);
    client.acquire_token(&[GRAPH]).await.unwrap();
    client.acquire_token(&["api://x/.default"]).await.unwrap();
    assert_eq!(requests_to(&server, DISCOVERY).await.len(), 1, "cached");
    assert_eq!(requests_to(&server, &elsewhere).await.len(), 1, "cached");
}

#[tokio::test]
async fn an_invalid_instance_gets_a_hint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DISCOVERY))
        .respond_with(ResponseTemplate::new(400).set_body_json(entra_error(
            "invalid_instance",
            50049,
            "Unknown or invalid instance.",
        )))
        .mount(&server)
        .await;
    let err = discovering_client(&server)
        .acquire_token(&[GRAPH])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("turn instance discovery off"),
        "{err}"
    );
}

#[tokio::test]
async fn a_host_without_instance_discovery_says_how_to_turn_it_off() {
    let server = MockServer::start().await;
    let err = discovering_client(&server)
        .acquire_token(&[GRAPH])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains("instance_discovery(false)"),
        "{err}"
    );
}

#[tokio::test]
async fn switched_off_it_is_never_called() {
    let server = server_answering(token_ok("token-A", 3599)).await;
    acquire(&server).await.unwrap();
    assert!(requests_to(&server, DISCOVERY).await.is_empty());
}

#[tokio::test]
async fn a_generic_oidc_issuer_uses_its_well_known_metadata() {
    let server = MockServer::start().await;
    let token_route = "/realms/ops/protocol/openid-connect/token";
    Mock::given(method("GET"))
        .and(path("/realms/ops/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": format!("{}/realms/ops", server.uri()),
            "token_endpoint": format!("{}{token_route}", server.uri()),
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(token_route))
        .respond_with(token_ok("oidc-token", 3599))
        .mount(&server)
        .await;
    let authority = Authority::oidc(&format!("{}/realms/ops/", server.uri())).unwrap();
    // Instance discovery stays on: it does not apply to OIDC issuers.
    let client = ConfidentialClient::builder(CLIENT_ID, authority, Credential::secret(SECRET))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let token = client.acquire_token(&["api://ops/.default"]).await.unwrap();
    assert_eq!(token.secret(), "oidc-token");
    assert!(requests_to(&server, DISCOVERY).await.is_empty());
    assert_eq!(requests_to(&server, token_route).await.len(), 1);
}
