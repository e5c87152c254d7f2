//! `$batch`: one POST, responses in the order of the requests.

use entrad_graph::{BatchRequest, ErrorKind};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

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
