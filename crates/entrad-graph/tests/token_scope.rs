//! Where the token goes: https or an allowed loopback origin, never across
//! origins by a nextLink/deltaLink or a batch URL, and never round a cycle.

use std::time::Duration;

use entrad_graph::{BatchRequest, Error, ErrorKind, GraphClient, Page};
use futures_util::StreamExt;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{auth, page, setup, token_service, user_pages_requested};

/// A server that answers anything with an empty page and records what it got:
/// the origin a hostile link points to.
async fn collector() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    server
}

/// The requests `server` received.
async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// The graph client of [`setup`], with `other`'s origin allowed too: what
/// refuses a link to it is the same-origin rule, not the allowed list.
fn also_allowing(server: &MockServer, other: &MockServer) -> GraphClient {
    GraphClient::builder(auth(server))
        .base_url(Url::parse(&server.uri()).unwrap())
        .allow_origin(Url::parse(&other.uri()).unwrap())
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_and_gets_no_request() {
    let server = MockServer::start().await;
    token_service(&server).await;
    let other = collector().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.nextLink": format!("{}/v1.0/users?$skiptoken=stolen", other.uri()),
            "value": [{"id": "1"}],
        })))
        .mount(&server)
        .await;
    let graph = also_allowing(&server, &other);

    let results: Vec<_> = graph.pages("v1.0/users").collect().await;
    assert_eq!(results.len(), 2, "the page, then the error");
    assert_eq!(results[0].as_ref().unwrap().value, [json!({"id": "1"})]);
    let err = results[1].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::CrossOriginLink { link: "@odata.nextLink", page_origin, link_origin }
            if *page_origin == server.uri() && *link_origin == other.uri()),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&server.uri()) && message.contains(&other.uri()),
        "{message}"
    );
    assert_eq!(err.kind(), ErrorKind::Internal);

    // The CLI's path: a page fetched first, then the pages after it.
    let first = Page::from_json(graph.get_json("v1.0/users").await.unwrap()).unwrap();
    let results: Vec<_> = graph.pages_after("v1.0/users", first).collect().await;
    assert!(
        matches!(results[1], Err(Error::CrossOriginLink { .. })),
        "{results:?}"
    );

    assert_eq!(
        received(&other).await,
        0,
        "the other origin was sent a request"
    );
}

#[tokio::test]
async fn a_delta_link_to_another_origin_fails_the_round() {
    let (server, graph) = setup().await;
    let other = collector().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users/delta"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.deltaLink": format!("{}/v1.0/users/delta?$deltatoken=d1", other.uri()),
            "value": [{"id": "1"}],
        })))
        .mount(&server)
        .await;
    let err = graph.delta("v1.0/users/delta").await.unwrap_err();
    assert!(
        matches!(&err, Error::CrossOriginLink { link: "@odata.deltaLink", link_origin, .. }
            if *link_origin == other.uri()),
        "{err:?}"
    );
    // A saved deltaLink is a URL like any other: not allowed, not requested.
    let saved = format!("{}/v1.0/users/delta?$deltatoken=d1", other.uri());
    let err = graph.delta(&saved).await.unwrap_err();
    assert!(
        matches!(&err, Error::OriginNotAllowed { origin } if *origin == other.uri()),
        "{err:?}"
    );
    assert_eq!(received(&other).await, 0);
}

#[tokio::test]
async fn plain_http_and_unknown_origins_get_no_request_at_all() {
    let server = MockServer::start().await;
    token_service(&server).await;
    let graph = GraphClient::builder(auth(&server))
        .base_url(Url::parse(&server.uri()).unwrap())
        .build()
        .unwrap();
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert!(
        matches!(&err, Error::InsecureUrl { origin, loopback: true } if *origin == server.uri()),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(!err.to_string().contains('\n'));
    // Refused before a token was even asked for.
    assert_eq!(received(&server).await, 0);

    let (server, graph) = setup().await;
    let other = collector().await;
    let err = graph
        .get_json(&format!("{}/v1.0/users", other.uri()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OriginNotAllowed { origin } if *origin == other.uri()),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Config);
    let items: Vec<_> = graph
        .items(&format!("{}/v1.0/users", other.uri()))
        .collect()
        .await;
    assert!(
        matches!(items[..], [Err(Error::OriginNotAllowed { .. })]),
        "{items:?}"
    );
    assert_eq!(received(&other).await, 0);
    assert_eq!(received(&server).await, 0);
}

#[tokio::test]
async fn a_batch_with_an_absolute_url_elsewhere_is_not_sent() {
    let (server, graph) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"responses": [
                {"id": "a", "status": 200, "body": {"id": "1"}},
            ]})),
        )
        .mount(&server)
        .await;
    let other = collector().await;
    for url in [
        format!("{}/v1.0/users", other.uri()),
        format!("//{}/v1.0/users", other.address()),
        "https://evil.example/v1.0/users".to_owned(),
    ] {
        let err = graph
            .batch(vec![
                BatchRequest::get("a", "/users/1"),
                BatchRequest::get("b", url.clone()),
            ])
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::OriginNotAllowed { .. }),
            "{url}: {err:?}"
        );
    }
    assert_eq!(received(&server).await, 0, "a refused batch was sent");
    // An absolute URL on the batch's own origin is fine.
    let own = format!("{}/v1.0/users/1", server.uri());
    let responses = graph
        .batch(vec![BatchRequest::get("a", own)])
        .await
        .unwrap();
    assert_eq!(responses[0].status, 200);
    assert_eq!(received(&other).await, 0);
}

#[tokio::test]
async fn a_cycle_of_next_links_ends_with_an_error() {
    let (server, graph) = setup().await;
    // users -> a -> b -> a -> ...
    for (token, next) in [("a", "b"), ("b", "a")] {
        Mock::given(method("GET"))
            .and(path("/v1.0/users"))
            .and(query_param("$skiptoken", token))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(
                &server,
                0..1,
                Some(&format!("/v1.0/users?$skiptoken={next}")),
            )))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            &server,
            0..1,
            Some("/v1.0/users?$skiptoken=a"),
        )))
        .mount(&server)
        .await;
    // The timeout only stops a hung test: without the check this never ends.
    let results: Vec<_> = tokio::time::timeout(
        Duration::from_secs(60),
        graph.pages("v1.0/users").collect::<Vec<_>>(),
    )
    .await
    .expect("the cycle was not detected");
    let (last, pages) = results.split_last().unwrap();
    assert!(pages.iter().all(Result::is_ok));
    let err = last.as_ref().unwrap_err();
    assert!(
        matches!(err, Error::LinkCycle { url } if url.ends_with("$skiptoken=b")),
        "{err:?}"
    );
    assert!(err.to_string().contains("repeats"), "{err}");
    // users, a, b, a: the check holds b by then (it holds one URL, replaced
    // at the 1st, 3rd, 7th, ... page), so b's second request is never made.
    assert_eq!(pages.len(), 4);
    assert_eq!(user_pages_requested(&server).await, 4);
}
