//! What a request carries and what a response gives back.

use std::time::Duration;

use entrad_http::{HttpClient, HttpOptions, Method};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn headers_query_form_and_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(query_param("api-version", "1"))
        .and(header("Metadata", "true"))
        .and(header("user-agent", entrad_http::DEFAULT_USER_AGENT))
        .and(body_string("resource=https%3A%2F%2Fgraph"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .append_header("WWW-Authenticate", "Basic realm=\"a\"")
                .append_header("WWW-Authenticate", "Bearer error=\"b\""),
        )
        .mount(&server)
        .await;
    let client = HttpClient::new(&HttpOptions::new()).unwrap();
    let url = url::Url::parse(&format!("{}/token", server.uri())).unwrap();
    let response = client
        .request(Method::Post, &url)
        .query(&[("api-version", "1")])
        .header("Metadata", "true")
        .form(&[("resource", "https://graph")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.retry_after(), Some(Duration::from_secs(7)));
    let challenges: Vec<_> = response.header_values("www-authenticate").collect();
    assert_eq!(challenges, ["Basic realm=\"a\"", "Bearer error=\"b\""]);
    assert_eq!(
        response.header("WWW-Authenticate"),
        Some("Basic realm=\"a\"")
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("Location", format!("{}/stolen", other.uri())),
        )
        .mount(&server)
        .await;
    let client = HttpOptions::new().client().unwrap();
    let url = url::Url::parse(&server.uri()).unwrap();
    let response = client
        .post(&url)
        .body("text/plain", "secret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn nothing_listening_is_a_retryable_transport_failure() {
    let client = HttpOptions::new().client().unwrap();
    let url = url::Url::parse("http://127.0.0.1:1/").unwrap();
    let e = client.get(&url).send().await.unwrap_err();
    let failure = e.transport().expect("a transport failure");
    assert!(failure.is_retryable() && !failure.is_untrusted_certificate());
    assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
}
