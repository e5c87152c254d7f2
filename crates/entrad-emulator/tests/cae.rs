//! Continuous access evaluation as Entra documents it for workload identities:
//! `cp1` tokens (xms_cc, 24 hours), the admin events, Graph's claims challenge
//! (header and body) to cp1 tokens issued before an event, tokens without cp1
//! left valid, and the token endpoint's refusals of a disabled or deleted
//! service principal.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

const CP1: &str = r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#;

/// A token request of the consented app with a secret, with `claims` if any:
/// the status and the body.
async fn token_request(h: &InProcess, claims: Option<&str>) -> (u16, Value) {
    let p = h.parameters("parameters.json");
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", p["client_id"].as_str().unwrap()),
        ("scope", "https://graph.microsoft.com/.default"),
        ("client_secret", p["secret"].as_str().unwrap()),
    ];
    if let Some(claims) = claims {
        form.push(("claims", claims));
    }
    let response = h.token_request(&form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn token(h: &InProcess, claims: Option<&str>) -> String {
    let (status, body) = token_request(h, claims).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn client_id(h: &InProcess) -> String {
    h.parameters("parameters.json")["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn next_second() {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cp1_tokens_carry_xms_cc_and_live_a_day() {
    let h = InProcess::start(2).await.unwrap();
    let (status, body) = token_request(&h, Some(CP1)).await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 86_399);
    assert_eq!(body["ext_expires_in"], 86_399);
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["xms_cc"], json!(["cp1"]));
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 86_399 + 300);
    // Merged with a claims challenge, cp1 still counts; other claims alone do not.
    let merged =
        r#"{"access_token":{"nbf":{"essential":true,"value":"1"},"xms_cc":{"values":["cp1"]}}}"#;
    assert_eq!(
        token_request(&h, Some(merged)).await.1["expires_in"],
        86_399
    );
    let (_, plain) = token_request(&h, None).await;
    assert_eq!(plain["expires_in"], 3599);
    assert_eq!(
        claims_of(plain["access_token"].as_str().unwrap())["xms_cc"],
        Value::Null
    );
    let nbf_only = r#"{"access_token":{"nbf":{"essential":true,"value":"1"}}}"#;
    assert_eq!(
        token_request(&h, Some(nbf_only)).await.1["expires_in"],
        3599
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_challenges_cp1_tokens_issued_before_an_event_only() {
    let h = InProcess::start(2).await.unwrap();
    let cae = token(&h, Some(CP1)).await;
    let plain = token(&h, None).await;
    next_second().await;
    let event = h
        .admin()
        .cae_event("location_policy_changed", Some(&client_id(&h)))
        .await
        .unwrap();
    let response = h.get("/v1.0/users", &cae).await;
    assert_eq!(response.status(), 401);
    let header = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let prefix = format!(
        "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\", error=\"insufficient_claims\", claims=\"",
        h.base
    );
    let encoded = header
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{header}"));
    let challenge: Value = serde_json::from_slice(&STANDARD.decode(encoded).unwrap()).unwrap();
    assert_eq!(
        challenge,
        json!({"access_token": {"nbf": {"essential": true, "value": event["time"].to_string()}}})
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(
        body["error"]["message"],
        "Continuous access evaluation resulted in claims challenge with result: InteractionRequired and code: TokenCreatedWithOutdatedPolicies"
    );
    // Tokens without cp1, and cp1 tokens issued after the event, are served.
    assert_eq!(h.get_json("/v1.0/users", &plain).await.0, 200);
    let answered = token(&h, Some(&format!(
        r#"{{"access_token":{{"nbf":{{"essential":true,"value":"{}"}},"xms_cc":{{"values":["cp1"]}}}}}}"#,
        event["time"]
    )))
    .await;
    assert_eq!(h.get_json("/v1.0/users", &answered).await.0, 200);
    let events = h.admin().cae_events().await.unwrap();
    assert_eq!(events["challenges_sent"], 1);
    assert_eq!(events["challenges_answered"], 1);
    assert_eq!(events["events"][0]["kind"], "location_policy_changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_service_principal_gets_aadsts7000112_until_enabled() {
    let h = InProcess::start(2).await.unwrap();
    let id = client_id(&h);
    let cae = token(&h, Some(CP1)).await;
    let plain = token(&h, None).await;
    next_second().await;
    h.admin()
        .cae_event("service_principal_disabled", Some(&id))
        .await
        .unwrap();
    for claims in [None, Some(CP1)] {
        let (status, body) = token_request(&h, claims).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "unauthorized_client");
        assert_eq!(body["error_codes"], json!([7000112]));
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("AADSTS7000112: Application '{id}'(")),
            "{description}"
        );
        assert!(description.contains(") is disabled."), "{description}");
    }
    let (status, body) = h.get_json("/v1.0/users", &cae).await;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("TokenIssuedBeforeRevocationTimestamp")
    );
    assert_eq!(h.get_json("/v1.0/users", &plain).await.0, 200);
    h.admin().cae_enable(&id).await.unwrap();
    token(&h, Some(CP1)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_service_principal_gets_aadsts7000229() {
    let h = InProcess::start(2).await.unwrap();
    let id = client_id(&h);
    h.admin()
        .cae_event("service_principal_deleted", Some(&id))
        .await
        .unwrap();
    let (status, body) = token_request(&h, Some(CP1)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_codes"], json!([7000229]));
}

#[tokio::test(flavor = "multi_thread")]
async fn event_requests_are_checked() {
    let h = InProcess::start(2).await.unwrap();
    for (body, status) in [
        (json!({"event": "service_principal_disabled"}), 400),
        (json!({"event": "service_principal_deleted"}), 400),
        (json!({"event": "policy_changed"}), 400),
        (json!({"event": "risk_policy_changed", "extra": 1}), 400),
        (
            json!({"event": "risk_policy_changed", "client_id": "00000000-0000-0000-0000-000000000000"}),
            404,
        ),
        (json!({"event": "risk_policy_changed"}), 201),
    ] {
        let (got, answer) = h
            .admin_request(Method::POST, "/cae/events", Some(body.clone()))
            .await;
        assert_eq!(got, status, "{body}: {answer}");
    }
    let (status, _) = h
        .admin_request(
            Method::POST,
            "/cae/enable",
            Some(json!({"client_id": "00000000-0000-0000-0000-000000000000"})),
        )
        .await;
    assert_eq!(status, 404);
}
