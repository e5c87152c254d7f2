//! Retry-After, bounded attempts, bounded time.

use std::time::{Duration, Instant, SystemTime};

use entrad_auth::{ErrorKind, HttpOptions};
use wiremock::ResponseTemplate;

use crate::support::*;

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = server().await;
    mount_token_times(
        &server,
        1,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .set_body_json(entra_error("temporarily_unavailable", 50196, "Throttled.")),
    )
    .await;
    mount_token(&server, token_ok("token-A", 3599)).await;
    let client = secret_client(&server);
    let started = Instant::now();
    let token = client.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(token.secret(), "token-A");
    assert!(started.elapsed() >= Duration::from_millis(950));
    let sent = token_requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        header(&sent[0], "client-request-id"),
        header(&sent[1], "client-request-id"),
        "one logical request keeps its client-request-id across attempts"
    );
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = server().await;
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    mount_token_times(
        &server,
        1,
        ResponseTemplate::new(503).insert_header("Retry-After", at.as_str()),
    )
    .await;
    mount_token(&server, token_ok("token-A", 3599)).await;
    let started = Instant::now();
    acquire(&server).await.unwrap();
    // HTTP dates have one-second resolution.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(token_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn always_busy_gives_up_after_max_attempts() {
    let server = server_answering(ResponseTemplate::new(503).set_body_json(entra_error(
        "temporarily_unavailable",
        50196,
        "The server is busy.",
    )))
    .await;
    let client = builder(&server, entrad_auth::Credential::secret(SECRET))
        .http(HttpOptions::new().with_retry_policy(fast_retries().with_max_attempts(3)))
        .build()
        .unwrap();
    let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(err.service_error().map(|e| e.status), Some(503));
    assert_eq!(token_requests(&server).await.len(), 3);
}

#[tokio::test]
async fn busy_with_a_non_json_body_is_unavailable() {
    let server = server_answering(
        ResponseTemplate::new(502).set_body_raw("<html>Bad Gateway</html>", "text/html"),
    )
    .await;
    let err = acquire(&server).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("HTTP 502"), "{err}");
    assert_eq!(
        token_requests(&server).await.len(),
        4,
        "default: 4 attempts"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_bound_ends_retries_at_once() {
    let server =
        server_answering(ResponseTemplate::new(429).insert_header("Retry-After", "120")).await;
    let client = builder(&server, entrad_auth::Credential::secret(SECRET))
        .http(
            HttpOptions::new()
                .with_retry_policy(fast_retries().with_max_elapsed(Duration::from_secs(10))),
        )
        .build()
        .unwrap();
    let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(token_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn discovery_is_retried_too() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(metadata_path()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_metadata(
        &server,
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_endpoint": token_endpoint(&server)
        })),
    )
    .await;
    mount_token(&server, token_ok("token-A", 3599)).await;
    acquire(&server).await.unwrap();
    assert_eq!(requests_to(&server, &metadata_path()).await.len(), 2);
}
