//! The admin calls that add and remove an app's secrets and certificates, and
//! the token service's answers to what they leave behind (AADSTS7000222 for an
//! expired secret, 7000215 for a removed one).

use entrad_emulator::CONSENTED_CLIENT_ID;
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

async fn with_secret(h: &InProcess, secret: &str) -> (u16, Value) {
    let response = h
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CONSENTED_CLIENT_ID),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", secret),
        ])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn key_ids(apps: &Value) -> Vec<String> {
    apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == CONSENTED_CLIENT_ID)
        .unwrap()["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn secrets_added_expired_and_removed_get_the_real_errors() {
    let h = InProcess::start(1).await.unwrap();
    let admin = h.admin();
    let fresh = admin.add_secret(CONSENTED_CLIENT_ID, None).await.unwrap();
    let expired = admin
        .add_secret(CONSENTED_CLIENT_ID, Some(-60))
        .await
        .unwrap();
    let fresh_value = fresh["value"].as_str().unwrap();
    assert_eq!(with_secret(&h, fresh_value).await.0, 200);
    let (status, body) = with_secret(&h, expired["value"].as_str().unwrap()).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error_codes"], json!([7000222]));

    let key_id = fresh["key_id"].as_str().unwrap();
    assert!(key_ids(&admin.apps().await.unwrap()).contains(&key_id.to_owned()));
    admin
        .remove_secret(CONSENTED_CLIENT_ID, key_id)
        .await
        .unwrap();
    assert!(!key_ids(&admin.apps().await.unwrap()).contains(&key_id.to_owned()));
    let (status, body) = with_secret(&h, fresh_value).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error_codes"], json!([7000215]));

    let path = format!("/apps/{CONSENTED_CLIENT_ID}/secrets/{key_id}");
    assert_eq!(h.admin_status(Method::DELETE, &path, None).await, 404);
    assert_eq!(
        h.admin_status(Method::POST, "/apps/no-such-app/secrets", None)
            .await,
        404
    );
    let path = format!("/apps/{CONSENTED_CLIENT_ID}/secrets");
    let bad = json!({ "expires_in": "soon" });
    assert_eq!(h.admin_status(Method::POST, &path, Some(bad)).await, 400);
}

#[tokio::test]
async fn certificates_are_added_and_removed_by_thumbprint() {
    let h = InProcess::start(1).await.unwrap();
    let admin = h.admin();
    let thumbprint = h.parameters("parameters-certificate.json")["thumbprint"]
        .as_str()
        .unwrap()
        .to_owned();
    admin
        .remove_certificate(CONSENTED_CLIENT_ID, &thumbprint)
        .await
        .unwrap();
    let path = format!("/apps/{CONSENTED_CLIENT_ID}/certificates/{thumbprint}");
    assert_eq!(h.admin_status(Method::DELETE, &path, None).await, 404);
    let apps = admin.apps().await.unwrap();
    let app = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == CONSENTED_CLIENT_ID)
        .unwrap();
    assert_eq!(app["certificates"], json!([]));

    let pem = std::fs::read_to_string(h.dir.path().join("app-cert.pem")).unwrap();
    let added = admin
        .add_certificate(CONSENTED_CLIENT_ID, &pem)
        .await
        .unwrap();
    assert_eq!(added, thumbprint);
    let path = format!("/apps/{CONSENTED_CLIENT_ID}/certificates");
    let (status, body) = h
        .admin_request(
            Method::POST,
            &path,
            Some(json!({ "certificate": "not a PEM" })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("CERTIFICATE"),
        "{body}"
    );
}
