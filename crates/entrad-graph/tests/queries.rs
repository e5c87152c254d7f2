//! Query options and URLs: `$select`, `$filter`, `$orderby`, `$top`, consistency level,
//! and bad URLs as configuration errors.

use entrad_graph::ErrorKind;
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

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
async fn bad_urls_are_configuration_errors() {
    let (_server, graph) = setup().await;
    let err = graph.get_json("ftp://example.com/x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = graph.get_json("  ").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn sorting_needs_advanced_parameters_beyond_the_default_properties_or_with_a_filter() {
    let (server, graph) = setup().await;
    let query = |orderby: &str| graph.users().orderby(orderby);
    assert!(!query("displayName").needs_eventual_consistency());
    assert!(!query("userprincipalname desc").needs_eventual_consistency());
    assert!(query("createdDateTime desc").needs_eventual_consistency());
    assert!(
        query("displayName")
            .filter("startswith(displayName,'A')")
            .needs_eventual_consistency()
    );
    let url = query("displayName desc").top(25).url().unwrap();
    assert_eq!(url.query(), Some("$orderby=displayName%20desc&$top=25"));
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$orderby", "createdDateTime desc"))
        .and(query_param("$count", "true"))
        .and(header("ConsistencyLevel", "eventual"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "1"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let pages: Vec<_> = query("createdDateTime desc")
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
}
