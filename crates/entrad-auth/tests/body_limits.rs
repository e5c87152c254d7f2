//! Replies are read within their limit (entrad-http's `BodyLimit`): a token
//! service or managed identity endpoint sending more is refused with one line
//! naming the limit and the host, without reading on and without retrying.

use entrad_auth::{ErrorKind, HttpOptions, ManagedIdentity, ManagedIdentityClient};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// A JSON reply that is `size` bytes long: a token with padding.
fn padded_token(size: usize) -> String {
    let head = r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ.x.y","padding":""#;
    let tail = r#""}"#;
    format!("{head}{}{tail}", "p".repeat(size - head.len() - tail.len()))
}

/// The error and its causes on one line, as the CLI prints it.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[tokio::test]
async fn a_token_reply_over_64_kib_is_refused_once() {
    let server = server().await;
    // At the limit: read, and a token.
    mount_token_times(
        &server,
        1,
        ResponseTemplate::new(200).set_body_raw(padded_token(64 * 1024), "application/json"),
    )
    .await;
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_raw(padded_token(64 * 1024 + 1), "application/json"),
    )
    .await;
    let token = secret_client(&server)
        .acquire_token(&[GRAPH])
        .await
        .unwrap();
    assert_eq!(token.secret(), "eyJ.x.y");

    let e = secret_client(&server)
        .acquire_token(&[GRAPH])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal, "{e:?}");
    let host = server.address().to_string();
    let line = chain(&e);
    assert!(
        line.starts_with("unexpected response to the token request (client-request-id "),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            ": a token service reply from {host} passed the 64 KiB limit; reading stopped"
        )),
        "{line}"
    );
    assert!(!line.contains("eyJ.x.y"), "{line}");
    // Not retried: one request for the token that was read, one for the refused one.
    assert_eq!(token_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_managed_identity_reply_over_64_kib_is_refused() {
    let imds = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(padded_token(1024 * 1024), "application/json"),
        )
        .mount(&imds)
        .await;
    let client = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .environment(Vec::<(String, String)>::new())
        .imds_endpoint(imds.uri())
        .http(HttpOptions::new().with_retry_policy(fast_retries()))
        .build()
        .unwrap();
    let e = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal, "{e:?}");
    assert_eq!(
        chain(&e),
        format!(
            "unexpected response to the IMDS request: a managed identity reply from {} passed the 64 KiB limit; reading stopped",
            imds.address()
        )
    );
    assert_eq!(imds.received_requests().await.unwrap().len(), 1);
}
