//! Workload identity federation: the emulator as the external OIDC issuer (discovery,
//! JWKS, `POST /_emulator/federated-token`, `federated-token.jwt`) and the token
//! endpoint exchanging its tokens for app tokens, with Entra's refusals.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entrad_testkit::InProcess;

use crate::assertion;
use entrad_emulator::{CONSENTED_CLIENT_ID, UNCONSENTED_CLIENT_ID};
use serde_json::{Value, json};

const GRAPH: &str = "https://graph.microsoft.com/.default";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SUBJECT: &str = "system:serviceaccount:default:entrad";

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

/// A token of the emulator's issuer, as `POST /_emulator/federated-token` makes it.
async fn federated_token(h: &InProcess, body: Value) -> String {
    let (status, answer) = h
        .admin_request(reqwest::Method::POST, "/federated-token", Some(body))
        .await;
    assert_eq!(status, 200, "{answer}");
    answer["token"].as_str().unwrap().to_owned()
}

/// Exchanges `token` for an app token of `client_id`.
async fn exchange(h: &InProcess, client_id: &str, token: &str) -> reqwest::Response {
    h.token_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("scope", GRAPH),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", token),
    ])
    .await
}

/// Checks a refusal's status, `error` and AADSTS code; returns the description.
async fn refused(response: reqwest::Response, status: u16, error: &str, code: u64) -> String {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().unwrap().to_owned();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    description
}

#[tokio::test]
async fn the_issuer_publishes_discovery_and_the_key_its_tokens_verify_with() {
    let h = InProcess::start(0).await.unwrap();
    let issuer = h.admin().oidc_issuer().unwrap();
    let discovery = entrad_testkit::json_of(
        h.client
            .get(format!("{issuer}/.well-known/openid-configuration")),
    )
    .await;
    assert_eq!(discovery["issuer"], issuer);
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let jwks = entrad_testkit::json_of(h.client.get(discovery["jwks_uri"].as_str().unwrap())).await;
    let key = &jwks["keys"][0];

    let token = federated_token(
        &h,
        json!({"subject": SUBJECT, "audience": "api://AzureADTokenExchange", "lifetime_secs": 3600}),
    )
    .await;
    assert_eq!(header_of(&token)["alg"], "RS256");
    assert_eq!(header_of(&token)["kid"], key["kid"]);
    let claims = claims_of(&token);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], SUBJECT);
    assert_eq!(claims["aud"], json!(["api://AzureADTokenExchange"]));
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 3600);
    let (input, signature) = token.rsplit_once('.').unwrap();
    let public = ring::signature::RsaPublicKeyComponents {
        n: URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap(),
        e: URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap(),
    };
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .expect("the token verifies against the issuer's JWKS");
}

#[tokio::test]
async fn a_matching_federated_token_gets_an_app_token_that_lists_users() {
    let h = InProcess::start(3).await.unwrap();
    // The admin API and the token file written at start are both accepted.
    let from_admin = federated_token(&h, json!({})).await;
    let from_file = std::fs::read_to_string(h.emulator.federated_token_file()).unwrap();
    let file_claims = claims_of(&from_file);
    let file_lifetime = file_claims["exp"].as_i64().unwrap() - file_claims["iat"].as_i64().unwrap();
    assert_eq!(file_lifetime, 86_400);
    for token in [from_admin, from_file] {
        let response = exchange(&h, CONSENTED_CLIENT_ID, &token).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let access_token = body["access_token"].as_str().unwrap();
        let claims = claims_of(access_token);
        assert_eq!(claims["appid"], CONSENTED_CLIENT_ID);
        assert_eq!(claims["appidacr"], "2");
        assert_eq!(
            claims["roles"],
            json!(["User.Read.All", "GroupMember.Read.All"])
        );
        let (status, users) = h.get_json("/v1.0/users", access_token).await;
        assert_eq!(status, 200);
        assert_eq!(users["value"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn the_apps_show_the_federated_credential() {
    let h = InProcess::start(0).await.unwrap();
    let (status, body) = h.admin_request(reqwest::Method::GET, "/apps", None).await;
    assert_eq!(status, 200);
    let apps = body["apps"].as_array().unwrap();
    let consented = apps
        .iter()
        .find(|a| a["client_id"] == CONSENTED_CLIENT_ID)
        .unwrap();
    assert_eq!(
        consented["federated_credentials"],
        json!([{
            "name": "entrad-workload",
            "issuer": h.admin().oidc_issuer().unwrap(),
            "subject": SUBJECT,
            "audiences": ["api://AzureADTokenExchange"],
        }])
    );
    let unconsented = apps
        .iter()
        .find(|a| a["client_id"] == UNCONSENTED_CLIENT_ID)
        .unwrap();
    assert_eq!(unconsented["federated_credentials"], json!([]));
}

#[tokio::test]
async fn a_wrong_subject_is_700213() {
    let h = InProcess::start(0).await.unwrap();
    let token = federated_token(
        &h,
        json!({"subject": "system:serviceaccount:default:Entrad"}),
    )
    .await;
    let description = refused(
        exchange(&h, CONSENTED_CLIENT_ID, &token).await,
        401,
        "invalid_client",
        700213,
    )
    .await;
    assert!(
        description.contains("presented assertion subject 'system:serviceaccount:default:Entrad'"),
        "{description}"
    );
    assert!(description.contains("case-sensitive"), "{description}");
}

#[tokio::test]
async fn a_wrong_audience_is_700212() {
    let h = InProcess::start(0).await.unwrap();
    let token = federated_token(&h, json!({"audience": "api://AKSIdentityBinding"})).await;
    let description = refused(
        exchange(&h, CONSENTED_CLIENT_ID, &token).await,
        401,
        "invalid_client",
        700212,
    )
    .await;
    assert!(
        description.contains("presented assertion audience 'api://AKSIdentityBinding'"),
        "{description}"
    );
}

#[tokio::test]
async fn an_expired_token_is_700024() {
    let h = InProcess::start(0).await.unwrap();
    let now = assertion::now() as i64;
    let token = federated_token(
        &h,
        json!({"claims": {"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}}),
    )
    .await;
    let description = refused(
        exchange(&h, CONSENTED_CLIENT_ID, &token).await,
        401,
        "invalid_client",
        700024,
    )
    .await;
    assert!(
        description.contains("not within its valid time range"),
        "{description}"
    );
}

#[tokio::test]
async fn an_unknown_issuer_is_700211() {
    let h = InProcess::start(0).await.unwrap();
    let issuer = "https://oidc.prod-aks.example/0000/";
    let token = federated_token(&h, json!({"claims": {"iss": issuer}})).await;
    let description = refused(
        exchange(&h, CONSENTED_CLIENT_ID, &token).await,
        401,
        "invalid_client",
        700211,
    )
    .await;
    assert!(
        description.contains(&format!("presented assertion issuer '{issuer}'")),
        "{description}"
    );
    // Issuers match exactly: the same issuer by another host name is another issuer.
    let localhost = h
        .admin()
        .oidc_issuer()
        .unwrap()
        .replace("127.0.0.1", "localhost");
    let token = federated_token(&h, json!({"claims": {"iss": localhost}})).await;
    refused(
        exchange(&h, CONSENTED_CLIENT_ID, &token).await,
        401,
        "invalid_client",
        700211,
    )
    .await;
}

#[tokio::test]
async fn a_bad_signature_is_700027_and_an_unknown_key_7000272() {
    let h = InProcess::start(0).await.unwrap();
    let good = federated_token(&h, json!({})).await;
    let (header, claims) = (header_of(&good), claims_of(&good));
    // Signed by another key (the app's) under the issuer's key id.
    let key_pem = std::fs::read(h.emulator.state_dir().join("app-key.pem")).unwrap();
    let pkcs8 = match rustls_pemfile::private_key(&mut key_pem.as_slice())
        .unwrap()
        .unwrap()
    {
        rustls::pki_types::PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        _ => unreachable!("the emulator writes PKCS#8"),
    };
    let forged = assertion::sign_with_header(&pkcs8, &header, &claims, false);
    refused(
        exchange(&h, CONSENTED_CLIENT_ID, &forged).await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    // The right key's signature over other claims.
    let (_, signature) = good.rsplit_once('.').unwrap();
    let mut changed = claims.clone();
    changed["exp"] = json!(changed["exp"].as_i64().unwrap() + 86_400);
    let tampered = format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(changed.to_string())
    );
    refused(
        exchange(&h, CONSENTED_CLIENT_ID, &tampered).await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    // A key id the issuer's JWKS does not publish.
    let other_kid = json!({"alg": "RS256", "typ": "JWT", "kid": "not-published"});
    let unknown = assertion::sign_with_header(&pkcs8, &other_kid, &claims, false);
    let description = refused(
        exchange(&h, CONSENTED_CLIENT_ID, &unknown).await,
        401,
        "invalid_client",
        7000272,
    )
    .await;
    assert!(description.contains("not-published"), "{description}");
}

#[tokio::test]
async fn an_app_without_federated_credentials_is_70021() {
    let h = InProcess::start(0).await.unwrap();
    let token = federated_token(&h, json!({})).await;
    let description = refused(
        exchange(&h, UNCONSENTED_CLIENT_ID, &token).await,
        400,
        "invalid_request",
        70021,
    )
    .await;
    assert!(
        description.contains(&format!("Assertion Subject: '{SUBJECT}'")),
        "{description}"
    );
}

#[tokio::test]
async fn the_admin_call_refuses_a_nonsensical_lifetime() {
    let h = InProcess::start(0).await.unwrap();
    let (status, body) = h
        .admin_request(
            reqwest::Method::POST,
            "/federated-token",
            Some(json!({"lifetime_secs": 0})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_pfx_holds_the_app_key_and_certificate_under_the_documented_password() {
    let h = InProcess::start(0).await.unwrap();
    let der = std::fs::read(h.emulator.pkcs12_file()).unwrap();
    let store = p12_keystore::KeyStore::from_pkcs12(
        &der,
        entrad_emulator::APP_PFX_PASSWORD,
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .unwrap();
    let (_, chain) = store.private_key_chain().unwrap();
    let cert_pem = std::fs::read(h.emulator.state_dir().join("app-cert.pem")).unwrap();
    let cert = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(chain.certs()[0].as_der(), cert.as_ref());
    let key_pem = std::fs::read(h.emulator.state_dir().join("app-key.pem")).unwrap();
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .unwrap()
        .unwrap();
    assert_eq!(chain.key().as_der(), key.secret_der());
    assert!(
        p12_keystore::KeyStore::from_pkcs12(
            &der,
            "wrong",
            p12_keystore::Pkcs12ImportPolicy::Strict
        )
        .is_err()
    );
}
