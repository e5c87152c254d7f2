//! Graph errors and retries: parsed errors, Retry-After honoured, bounded
//! retries, unreachable hosts and token refusals mapped to their kinds.

use std::time::{Duration, Instant};

use entrad_graph::{Error, ErrorKind, GraphClient, HttpOptions};
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_403_is_parsed_and_not_retried() {
    let (server, graph) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(403).insert_header("request-id", "hdr").set_body_json(json!({
            "error": {"code": "Authorization_RequestDenied",
                      "message": "Insufficient privileges to complete the operation.",
                      "innerError": {"date": "2024-04-24T12:48:07", "request-id": "rid", "client-request-id": "cid"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    let graph_error = err.graph_error().unwrap();
    assert!(graph_error.is_authorization_denied());
    assert_eq!(graph_error.request_id.as_deref(), Some("rid"));
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn throttling_waits_for_retry_after_then_succeeds() {
    let (server, graph) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({
                    "error": {"code": "TooManyRequests", "message": "Please retry again later."}
                })),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&server, 0..2, None)))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let body = graph.get_json("v1.0/users").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_persistent_503_gives_up_after_the_policy() {
    let (server, graph) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .expect(3)
        .mount(&server)
        .await;
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(
        matches!(err, Error::Exhausted { attempts: 3, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_graph_is_a_network_error() {
    let server = MockServer::start().await;
    token_service(&server).await;
    // Bind then drop: a loopback port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let graph = GraphClient::builder(auth(&server))
        .base_url(Url::parse(&format!("http://{closed}")).unwrap())
        .allow_insecure_loopback(true)
        .http(HttpOptions::new().with_retry_policy(quick_retries(2)))
        .build()
        .unwrap();
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(matches!(err, Error::Network { attempts: 2, .. }), "{err:?}");
}

#[tokio::test]
async fn a_token_refusal_is_an_authentication_error() {
    let server = MockServer::start().await;
    let uri = server.uri();
    metadata(&server).await;
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215],
        })))
        .mount(&server)
        .await;
    let graph = GraphClient::builder(auth(&server))
        .base_url(Url::parse(&uri).unwrap())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(err.to_string().contains("AADSTS7000215"));
    assert!(!err.to_string().contains("s3cret"));
}
