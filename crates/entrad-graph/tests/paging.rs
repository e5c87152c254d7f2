//! Paging: next links followed verbatim, the next page fetched ahead, errors
//! and loops on later pages.

use std::time::Duration;

use entrad_graph::{ErrorKind, Page, RawBody, RawPage, UsersQuery};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

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
async fn a_limit_asks_for_no_page_past_the_one_that_reaches_it() {
    let (server, graph) = setup().await;
    mount_three_pages(&server, second_page(&server)).await;
    // Pages of 3, 3 and 1: four items end with the second page.
    let sizes = |pages: Vec<RawPage>| pages.iter().map(RawPage::len).collect::<Vec<_>>();
    let pages: Vec<RawPage> = graph
        .users()
        .limit(4)
        .raw_pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sizes(pages), [3, 3]);
    assert_eq!(user_pages_requested(&server).await, 2);
    // Three: the first page is enough.
    let pages: Vec<RawPage> = graph
        .users()
        .limit(3)
        .raw_pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sizes(pages), [3]);
    assert_eq!(user_pages_requested(&server).await, 3);
    // Nothing wanted, nothing asked.
    let pages: Vec<RawPage> = graph
        .users()
        .limit(0)
        .raw_pages()
        .try_collect()
        .await
        .unwrap();
    assert!(pages.is_empty());
    assert_eq!(user_pages_requested(&server).await, 3);
    // After a page already fetched: the same rule, counting its items.
    let RawBody::Page(first) = graph.get_raw("v1.0/users").await.unwrap() else {
        panic!("not a page")
    };
    let pages: Vec<RawPage> = graph
        .raw_pages_after_limited("v1.0/users", first, 5)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sizes(pages), [3, 3]);
    assert_eq!(user_pages_requested(&server).await, 5);
}

#[tokio::test]
async fn a_limit_lowers_the_page_size_to_it() {
    let (_server, graph) = setup().await;
    let top = |query: UsersQuery<'_>| query.url().unwrap().query().map(str::to_owned);
    assert_eq!(top(graph.users().limit(5)).as_deref(), Some("$top=5"));
    assert_eq!(top(graph.users().limit(5000)).as_deref(), Some("$top=999"));
    assert_eq!(
        top(graph.users().top(50).limit(20)).as_deref(),
        Some("$top=20")
    );
    assert_eq!(
        top(graph.users().top(50).limit(500)).as_deref(),
        Some("$top=50")
    );
    assert_eq!(top(graph.users().top(50)).as_deref(), Some("$top=50"));
}
