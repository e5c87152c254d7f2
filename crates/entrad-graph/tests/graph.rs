//! Narrow HTTP cases against wiremock: paging, query options, error parsing,
//! retries honouring Retry-After, delta and batch. The token comes from a
//! wiremock token endpoint (loopback http, allowed explicitly).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use entrad_auth::{
    Authority, CacheKey, CachedToken, ClientBuilder, ConfidentialClient, Credential, MemoryCache,
    RetryPolicy, TokenCache,
};
use entrad_graph::{BatchRequest, Error, ErrorKind, GraphClient, Page};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "graph/token_scope.rs"]
mod token_scope;

const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.";

const TOKEN_PATH: &str = "/tenant/oauth2/v2.0/token";

/// The tenant's OIDC metadata, pointing at the token endpoint.
async fn metadata(server: &MockServer) {
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path("/tenant/v2.0/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_endpoint": format!("{uri}{TOKEN_PATH}"),
            "authorization_endpoint": format!("{uri}/tenant/oauth2/v2.0/authorize"),
            "issuer": format!("{uri}/tenant/v2.0"),
            "jwks_uri": format!("{uri}/tenant/discovery/v2.0/keys"),
        })))
        .mount(server)
        .await;
}

async fn token_service(server: &MockServer) {
    metadata(server).await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN,
        })))
        .mount(server)
        .await;
}

fn auth_builder(server: &MockServer) -> ClientBuilder {
    let authority = Authority::parse(&format!("{}/tenant", server.uri())).unwrap();
    ConfidentialClient::builder("client", authority, Credential::secret("s3cret"))
        .allow_insecure_loopback(true)
        .instance_discovery(false)
}

fn auth(server: &MockServer) -> ConfidentialClient {
    auth_builder(server).build().unwrap()
}

fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
}

async fn setup() -> (MockServer, GraphClient) {
    let server = MockServer::start().await;
    token_service(&server).await;
    let graph = GraphClient::builder(auth(&server))
        .base_url(Url::parse(&server.uri()).unwrap())
        .allow_insecure_loopback(true)
        .retry_policy(quick_retries(3))
        .build();
    (server, graph)
}

fn page(server: &MockServer, ids: std::ops::Range<u32>, next: Option<&str>) -> Value {
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users", server.uri()),
        "value": ids.map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(format!("{}{next}", server.uri()));
    }
    body
}

#[tokio::test]
async fn follows_next_links_verbatim_with_bearer_and_request_id() {
    let (server, graph) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            &server,
            3..6,
            Some("/v1.0/users?$skiptoken=p3"),
        )))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&server, 6..7, None)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header_exists("client-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            &server,
            0..3,
            Some("/v1.0/users?$skiptoken=p2"),
        )))
        .expect(2)
        .mount(&server)
        .await;

    let ids: Vec<Value> = graph
        .items("v1.0/users")
        .map_ok(|u| u["id"].clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        ids,
        (0..7).map(|i| json!(i.to_string())).collect::<Vec<_>>()
    );

    // A leading slash or none: the same path under the base URL.
    let pages: Vec<_> = graph.pages("/v1.0/users").try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert!(
        pages[0]
            .context
            .as_deref()
            .unwrap()
            .ends_with("$metadata#users")
    );
    assert!(pages[2].next_link.is_none());
}

/// Three pages of `/v1.0/users` (users 0..3, 3..6, 6..7) linked by
/// `$skiptoken`, the second answered by `second`.
async fn mount_three_pages(server: &MockServer, second: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(second)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(server, 6..7, None)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            server,
            0..3,
            Some("/v1.0/users?$skiptoken=p2"),
        )))
        .mount(server)
        .await;
}

/// The second page of [`mount_three_pages`], linking to the third.
fn second_page(server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(page(server, 3..6, Some("/v1.0/users?$skiptoken=p3")))
}

/// How many pages of users the server has been asked for.
async fn user_pages_requested(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path() == "/v1.0/users")
        .count()
}

/// Waits (up to 10 s) until the server has been asked for `n` pages of users.
async fn until_requested(server: &MockServer, n: usize) {
    for _ in 0..2000 {
        if user_pages_requested(server).await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("page {n} was not requested ahead");
}

#[tokio::test]
async fn the_next_page_is_fetched_while_the_current_one_is_consumed() {
    let (server, graph) = setup().await;
    mount_three_pages(&server, second_page(&server)).await;
    let mut pages = std::pin::pin!(graph.pages("v1.0/users"));
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.value.len(), 3);
    // Page 2 is asked for without another poll, and nothing further ahead.
    until_requested(&server, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(user_pages_requested(&server).await, 2);
    let second = pages.try_next().await.unwrap().unwrap();
    assert_eq!(second.value[0]["id"], "3");
    until_requested(&server, 3).await;
    let third = pages.try_next().await.unwrap().unwrap();
    assert!(third.next_link.is_none());
    assert!(pages.try_next().await.unwrap().is_none());
    assert_eq!(user_pages_requested(&server).await, 3);
}

#[tokio::test]
async fn an_error_on_the_next_page_comes_after_the_items_before_it() {
    let (server, graph) = setup().await;
    let missing = ResponseTemplate::new(404).set_body_json(json!({
        "error": {"code": "Request_ResourceNotFound", "message": "gone"}
    }));
    mount_three_pages(&server, missing).await;
    let results: Vec<_> = graph.items("v1.0/users").collect().await;
    assert_eq!(
        results.len(),
        4,
        "three users, then the error, then the end"
    );
    for (i, user) in results[..3].iter().enumerate() {
        assert_eq!(user.as_ref().unwrap()["id"], i.to_string());
    }
    let err = results[3].as_ref().unwrap_err();
    assert_eq!(err.graph_error().unwrap().code, "Request_ResourceNotFound");
}

#[tokio::test]
async fn a_next_link_to_the_same_page_is_an_error_instead_of_that_page() {
    let (server, graph) = setup().await;
    let looping = ResponseTemplate::new(200).set_body_json(page(
        &server,
        3..6,
        Some("/v1.0/users?$skiptoken=p2"),
    ));
    mount_three_pages(&server, looping).await;
    let results: Vec<_> = graph.pages("v1.0/users").collect().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().value.len(), 3);
    let err = results[1].as_ref().unwrap_err();
    assert!(
        err.to_string().contains("points back to the same page"),
        "{err}"
    );
}

#[tokio::test]
async fn pages_after_a_fetched_page_follow_its_next_link() {
    let (server, graph) = setup().await;
    mount_three_pages(&server, second_page(&server)).await;
    let first = Page::from_json(graph.get_json("v1.0/users").await.unwrap()).unwrap();
    let pages: Vec<Page> = graph
        .pages_after("v1.0/users", first)
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.value.len()).collect();
    assert_eq!(sizes, [3, 3, 1]);

    let alone = Page::from_json(page(&server, 0..1, None)).unwrap();
    let pages: Vec<Page> = graph
        .pages_after("v1.0/users", alone)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    // A link that cannot be followed fails after the page it came with.
    let mut bad = Page::from_json(page(&server, 0..1, None)).unwrap();
    bad.next_link = Some("ftp://example.com/users".into());
    let results: Vec<_> = graph.pages_after("v1.0/users", bad).collect().await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::Config);
}

#[tokio::test]
async fn users_query_sends_options_and_consistency_level() {
    let (server, graph) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$select", "id,displayName"))
        .and(query_param("$filter", "accountEnabled ne false"))
        .and(query_param("$top", "5"))
        .and(query_param("$count", "true"))
        .and(header("ConsistencyLevel", "eventual"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"@odata.count": 1, "value": [{"id": "1"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let query = graph
        .users()
        .select(&["id", "displayName"])
        .filter("accountEnabled ne false")
        .top(5);
    assert!(query.needs_eventual_consistency());
    let pages: Vec<_> = query.pages().try_collect().await.unwrap();
    assert_eq!(pages[0].count, Some(1));
}

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
        .retry_policy(quick_retries(2))
        .build();
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
        .and(path(TOKEN_PATH))
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
        .build();
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(err.to_string().contains("AADSTS7000215"));
    assert!(!err.to_string().contains("s3cret"));
}

#[tokio::test]
async fn delta_collects_pages_up_to_the_delta_link() {
    let (server, graph) = setup().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users/delta"))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.deltaLink": format!("{}/v1.0/users/delta?$deltatoken=d1", server.uri()),
            "value": [{"id": "2"}],
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users/delta"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.nextLink": format!("{}/v1.0/users/delta?$skiptoken=2", server.uri()),
            "value": [{"id": "1"}],
        })))
        .mount(&server)
        .await;
    let delta = graph.delta("v1.0/users/delta").await.unwrap();
    assert_eq!(delta.value, [json!({"id": "1"}), json!({"id": "2"})]);
    assert!(delta.delta_link.ends_with("$deltatoken=d1"));
}

#[tokio::test]
async fn batch_posts_and_orders_responses_like_the_requests() {
    let (server, graph) = setup().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responses": [
            {"id": "b", "status": 404, "body": {"error": {"code": "Request_ResourceNotFound", "message": "x"}}},
            {"id": "a", "status": 200, "headers": {"content-type": "application/json"}, "body": {"id": "1"}},
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let responses = graph
        .batch(vec![
            BatchRequest::get("a", "/users/1"),
            BatchRequest::get("b", "/users/2"),
        ])
        .await
        .unwrap();
    assert_eq!(
        responses.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(responses[1].status, 404);

    let too_many = (0..21)
        .map(|i| BatchRequest::get(i.to_string(), "/users"))
        .collect();
    assert_eq!(
        graph.batch(too_many).await.unwrap_err().kind(),
        ErrorKind::Config
    );
    let dup = vec![
        BatchRequest::get("a", "/users"),
        BatchRequest::get("a", "/groups"),
    ];
    assert!(
        graph
            .batch(dup)
            .await
            .unwrap_err()
            .to_string()
            .contains("duplicate")
    );
}

#[tokio::test]
async fn bad_urls_are_configuration_errors() {
    let (_server, graph) = setup().await;
    let err = graph.get_json("ftp://example.com/x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = graph.get_json("  ").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

/// A graph client whose cache already holds `secret`, valid for an hour, as
/// a token cached before the service changed its keys would be.
async fn with_cached_token(server: &MockServer, secret: &str) -> GraphClient {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cache = Arc::new(MemoryCache::new());
    let auth = auth_builder(server).cache(cache.clone()).build().unwrap();
    let key = CacheKey::new(
        auth.authority(),
        "client",
        &["https://graph.microsoft.com/.default"],
    );
    let token = CachedToken {
        secret: secret.into(),
        token_type: "Bearer".into(),
        cached_at: now,
        expires_on: now + 3600,
        extended_expires_on: now + 3600,
        refresh_on: None,
    };
    cache.put(&key, &token).await.unwrap();
    GraphClient::builder(auth)
        .base_url(Url::parse(&server.uri()).unwrap())
        .allow_insecure_loopback(true)
        .retry_policy(quick_retries(3))
        .build()
}

/// Graph's answer to a token it does not accept.
fn invalid_token() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({
        "error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure."}
    }))
}

async fn token_requests(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

#[tokio::test]
async fn a_cached_token_graph_refuses_is_replaced_once() {
    let server = MockServer::start().await;
    token_service(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(header("authorization", "Bearer stale-token"))
        .respond_with(invalid_token())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&server, 0..2, None)))
        .expect(2)
        .mount(&server)
        .await;
    let graph = with_cached_token(&server, "stale-token").await;
    let body = graph.get_json("v1.0/users").await.unwrap();
    assert_eq!(body["value"], json!([{"id": "0"}, {"id": "1"}]));
    assert_eq!(token_requests(&server).await, 1);
    // The fresh token replaced the refused one in the cache.
    graph.get_json("v1.0/users").await.unwrap();
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn a_fresh_token_graph_refuses_is_an_error_without_more_retries() {
    let server = MockServer::start().await;
    token_service(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(invalid_token())
        .expect(2)
        .mount(&server)
        .await;
    let graph = with_cached_token(&server, "stale-token").await;
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    assert_eq!(
        err.graph_error().unwrap().code,
        "InvalidAuthenticationToken"
    );
    assert_eq!(token_requests(&server).await, 1);
}
