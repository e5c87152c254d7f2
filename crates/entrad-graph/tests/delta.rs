//! Delta rounds: pages collected up to the delta link.

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

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
