//! Every refusal and failure, with its kind, hint and ids.

use std::time::Duration;

use entrad_auth::{ErrorKind, HttpOptions, RetryPolicy};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

async fn refused(status: u16, error: &str, code: u32, description: &str) -> entrad_auth::Error {
    let server = server_answering(ResponseTemplate::new(status).set_body_json(entra_error(
        error,
        code,
        description,
    )))
    .await;
    let err = acquire(&server).await.unwrap_err();
    let sent = token_requests(&server).await;
    assert_eq!(sent.len(), 1, "a refusal is not retried");
    assert_eq!(
        err.client_request_id(),
        header(&sent[0], "client-request-id"),
        "the error reports the client-request-id that was sent"
    );
    err
}

#[tokio::test]
async fn aadsts_codes_keep_their_fields_and_get_hints() {
    let cases = [
        (
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
            "Value, not its Secret ID",
        ),
        (
            401,
            "invalid_client",
            7000222,
            "The provided client secret keys are expired.",
            "has expired",
        ),
        (
            400,
            "unauthorized_client",
            700016,
            "Application with identifier 'x' was not found.",
            "check client_id and the tenant",
        ),
        (
            400,
            "invalid_request",
            90002,
            "Tenant 'x' not found.",
            "tenant not found",
        ),
        (
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope User.Read.All is not valid.",
            "{resource}/.default",
        ),
        (
            400,
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid.",
            "{resource}/.default",
        ),
        (
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation.",
            "not registered on the app",
        ),
        (
            401,
            "invalid_client",
            700024,
            "Client assertion is not within its valid time range.",
            "machine clock",
        ),
        (
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            "no credential",
        ),
        (
            400,
            "invalid_resource",
            500011,
            "The resource principal named x was not found.",
            "resource",
        ),
        (
            400,
            "invalid_client",
            7000229,
            "The client application is missing service principal.",
            "admin consent",
        ),
    ];
    for (status, error, code, description, hint) in cases {
        let err = refused(status, error, code, description).await;
        assert_eq!(err.kind(), ErrorKind::Authentication, "{code}");
        let service = err.service_error().expect("a service error");
        assert_eq!(service.status, status);
        assert_eq!(service.error, error);
        assert_eq!(service.error_codes, vec![code]);
        assert!(
            service
                .error_description
                .starts_with(&format!("AADSTS{code}: "))
        );
        assert_eq!(service.correlation_id.as_deref(), Some("0000-corr"));
        assert_eq!(service.trace_id.as_deref(), Some("0000-trace"));
        let text = err.to_string();
        assert!(
            err.hint().is_some_and(|h| h.contains(hint)),
            "{code}: {text}"
        );
        assert!(text.contains(hint), "{text}");
        assert!(!text.contains('\n') && !text.contains('\r'), "{text}");
        assert!(text.contains("0000-corr") && text.contains("0000-trace"));
    }
}

#[tokio::test]
async fn non_json_error_bodies_are_described_not_echoed() {
    let server = server_answering(
        ResponseTemplate::new(404).set_body_raw(format!("<html>{SECRET}</html>"), "text/html"),
    )
    .await;
    let err = acquire(&server).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("HTTP 404") && text.contains("text/html"),
        "{text}"
    );
    assert!(!text.contains(SECRET) && !format!("{err:?}").contains(SECRET));
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.client_request_id().is_some());
}

#[tokio::test]
async fn an_echoed_secret_is_redacted_from_service_errors() {
    let server = server_answering(ResponseTemplate::new(400).set_body_json(json!({
        "error": "invalid_request",
        "error_description": format!("bad client_secret {SECRET}"),
    })))
    .await;
    let err = acquire(&server).await.unwrap_err();
    assert!(!err.to_string().contains(SECRET));
    assert!(!format!("{err:?}").contains(SECRET));
    assert!(err.to_string().contains("[REDACTED]"));
}

#[tokio::test]
async fn a_success_without_a_token_is_an_internal_error() {
    let server = server_answering(
        ResponseTemplate::new(200)
            .set_body_json(json!({"token_type": "Bearer", "expires_in": 3599})),
    )
    .await;
    let err = acquire(&server).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("no access_token"), "{err}");
}

#[tokio::test]
async fn unknown_tenant_at_discovery() {
    let server = MockServer::start().await;
    mount_metadata(
        &server,
        ResponseTemplate::new(400).set_body_json(entra_error(
            "invalid_tenant",
            90002,
            "Tenant 'tenant-1' not found.",
        )),
    )
    .await;
    let err = acquire(&server).await.unwrap_err();
    assert!(err.to_string().contains("tenant not found"), "{err}");
    assert_eq!(
        err.service_error().map(|e| e.error.as_str()),
        Some("invalid_tenant")
    );
    assert!(token_requests(&server).await.is_empty());
}

#[tokio::test]
async fn missing_metadata_is_a_config_error() {
    let server = MockServer::start().await;
    let err = acquire(&server).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("no OpenID configuration"), "{err}");
    assert!(err.to_string().contains("check the authority"), "{err}");
}

#[tokio::test]
async fn metadata_without_token_endpoint_or_with_plain_http_is_refused() {
    let server = MockServer::start().await;
    mount_metadata(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"issuer": "x"})),
    )
    .await;
    let err = acquire(&server).await.unwrap_err();
    assert!(err.to_string().contains("has no token_endpoint"), "{err}");

    let server = MockServer::start().await;
    mount_metadata(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "token_endpoint": "http://token.example.com/t/oauth2/v2.0/token"
        })),
    )
    .await;
    let err = acquire(&server).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("is not https"), "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_unavailable_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let authority =
        entrad_auth::Authority::parse(&format!("http://127.0.0.1:{port}/{TENANT}")).unwrap();
    let client = entrad_auth::ConfidentialClient::builder(
        CLIENT_ID,
        authority,
        entrad_auth::Credential::secret(SECRET),
    )
    .allow_insecure_loopback(true)
    .instance_discovery(false)
    .http(HttpOptions::new().with_retry_policy(fast_retries().with_max_attempts(2)))
    .build()
    .unwrap();
    let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("after 2 attempt(s)"), "{err}");
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = server_answering(token_ok("late", 3599).set_delay(Duration::from_secs(3))).await;
    let client = builder(&server, entrad_auth::Credential::secret(SECRET))
        .http(
            HttpOptions::new()
                .with_timeout(Duration::from_millis(300))
                .with_connect_timeout(Duration::from_secs(2))
                .with_retry_policy(RetryPolicy::none()),
        )
        .build()
        .unwrap();
    let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(err.client_request_id().is_some());
}

#[tokio::test]
async fn a_failing_assertion_source_is_reported_without_a_request() {
    let server = server().await;
    let client = builder(
        &server,
        entrad_auth::Credential::assertion_file("/nonexistent/entrad/federated-token"),
    )
    .build()
    .unwrap();
    let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string()
            .contains("/nonexistent/entrad/federated-token")
    );
    assert!(token_requests(&server).await.is_empty());
}
