//! Secrets, keys, assertions and tokens never show in Debug, Display, logs or errors.

use std::sync::Arc;

use entrad_auth::{Authority, ConfidentialClient, Credential};
use wiremock::ResponseTemplate;

use crate::support::*;

const ACCESS_TOKEN: &str =
    "eyJ0eXAiOiJKV1QifQ.eyJhcHBpZCI6InNlY3JldC1jbGFpbXMifQ.ACCESS-TOKEN-SIGNATURE";
const ASSERTION: &str = "federated-ASSERTION-value-do-not-leak";

/// Distinctive lines of the private key PEM (any of them in output is a leak).
fn key_lines() -> Vec<String> {
    String::from_utf8(KEY_PEM.to_vec())
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn assert_clean(text: &str, extra: &[&str]) {
    for secret in [SECRET, ACCESS_TOKEN, ASSERTION, PFX_PASSWORD]
        .iter()
        .chain(extra)
    {
        assert!(!text.contains(secret), "leaked {secret:?} in:\n{text}");
    }
    for line in key_lines() {
        assert!(
            !text.contains(&line),
            "leaked a private key line in:\n{text}"
        );
    }
}

#[tokio::test]
async fn nothing_secret_in_debug_display_logs_or_errors() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber());

    let server = server().await;
    mount_token_times(
        &server,
        1,
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer", "expires_in": 3600, "refresh_in": 0, "access_token": ACCESS_TOKEN
        })),
    )
    .await;
    mount_token(
        &server,
        ResponseTemplate::new(401).set_body_json(entra_error(
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
        )),
    )
    .await;

    let mut shown = String::new();
    let credentials = [
        Credential::secret(SECRET),
        Credential::certificate_pem(KEY_PEM, CERT_PEM)
            .unwrap()
            .send_x5c(true),
        Credential::private_key_with_thumbprint(KEY_PEM, THUMBPRINT).unwrap(),
        Credential::pkcs12(PFX, PFX_PASSWORD).unwrap(),
        Credential::assertion_callback(|| Ok(ASSERTION.to_string())),
    ];
    for credential in &credentials {
        shown.push_str(&format!("{credential:?}\n"));
    }

    // Success (logged), a cache hit past refresh_on (background refresh that
    // fails with 401, logged), then a refusal returned as an error.
    let client = builder(&server, Credential::secret(SECRET))
        .build()
        .unwrap();
    let token = client.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(token.secret(), ACCESS_TOKEN);
    shown.push_str(&format!("{token:?}\n{client:?}\n"));
    let cached = client.acquire_token(&[GRAPH]).await.unwrap();
    shown.push_str(&format!("{cached:?}\n"));
    for _ in 0..50 {
        if token_requests(&server).await.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    for credential in credentials {
        let client = builder(&server, credential)
            .cache(Arc::new(entrad_auth::MemoryCache::new()))
            .build()
            .unwrap();
        let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
        shown.push_str(&format!("{err}\n{err:?}\n{client:?}\n"));
    }

    let assertions: Vec<String> = token_requests(&server)
        .await
        .iter()
        .filter_map(|r| form(r).get("client_assertion").cloned())
        .collect();
    assert_eq!(
        assertions.len(),
        4,
        "four assertion-based requests were made"
    );
    let assertion_refs: Vec<&str> = assertions.iter().map(String::as_str).collect();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("app token acquired"),
        "logging was captured:\n{logs}"
    );
    assert!(logs.contains("background token refresh failed"), "{logs}");
    assert_clean(&logs, &assertion_refs);
    assert_clean(&shown, &assertion_refs);
}

#[test]
fn builder_and_authority_debug_show_no_secret() {
    let authority =
        Authority::parse("https://login.microsoftonline.com/contoso.onmicrosoft.com").unwrap();
    let builder = ConfidentialClient::builder(CLIENT_ID, authority, Credential::secret(SECRET));
    assert_clean(&format!("{builder:?}"), &[]);
    let err = Credential::pkcs12(PFX, "wrong-pfx-password-value").unwrap_err();
    assert_clean(&format!("{err} {err:?}"), &["wrong-pfx-password-value"]);
}
