//! Certificate and federated credentials: what goes on the wire.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use entrad_auth::Credential;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sha2::{Digest, Sha256};
use wiremock::MockServer;

use crate::support::*;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn cert_der() -> Vec<u8> {
    let pem = String::from_utf8(CERT_PEM.to_vec()).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// The RSA public key of the fixture certificate, for verifying signatures.
fn public_key() -> DecodingKey {
    let der = cert_der();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    DecodingKey::from_rsa_der(&cert.public_key().subject_public_key.data).to_owned()
}

async fn sent_assertion(credential: Credential) -> (MockServer, String) {
    let server = server_answering(token_ok("token-A", 3599)).await;
    let client = builder(&server, credential).build().unwrap();
    client.acquire_token(&[GRAPH]).await.unwrap();
    let requests = token_requests(&server).await;
    let form = form(&requests[0]);
    assert_eq!(form["client_assertion_type"], JWT_BEARER);
    assert!(!form.contains_key("client_secret"));
    let assertion = form["client_assertion"].clone();
    (server, assertion)
}

fn verify(server: &MockServer, assertion: &str, alg: Algorithm) -> serde_json::Value {
    let mut validation = Validation::new(alg);
    validation.set_audience(&[token_endpoint(server)]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(assertion, &public_key(), &validation)
        .expect("a valid assertion")
        .claims;
    assert_eq!(claims["sub"], CLIENT_ID);
    let iat = claims["iat"].as_u64().unwrap();
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 600);
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    claims
}

#[tokio::test]
async fn pem_certificate_signs_ps256_with_x5t_s256() {
    let credential = Credential::certificate_pem(KEY_PEM, CERT_PEM).unwrap();
    let (server, assertion) = sent_assertion(credential).await;
    let header = jsonwebtoken::decode_header(&assertion).unwrap();
    assert_eq!(header.alg, Algorithm::PS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(
        header.x5t_s256.as_deref(),
        Some(URL_SAFE_NO_PAD.encode(Sha256::digest(cert_der())).as_str())
    );
    assert!(header.x5t.is_none() && header.x5c.is_none());
    verify(&server, &assertion, Algorithm::PS256);
}

#[tokio::test]
async fn thumbprint_signs_rs256_with_x5t() {
    let credential = Credential::private_key_with_thumbprint(KEY_PEM, THUMBPRINT).unwrap();
    let (server, assertion) = sent_assertion(credential).await;
    let header = jsonwebtoken::decode_header(&assertion).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let sha1 = (0..20)
        .map(|i| u8::from_str_radix(&THUMBPRINT[2 * i..2 * i + 2], 16).unwrap())
        .collect::<Vec<u8>>();
    assert_eq!(
        header.x5t.as_deref(),
        Some(URL_SAFE_NO_PAD.encode(sha1).as_str())
    );
    assert!(header.x5t_s256.is_none());
    verify(&server, &assertion, Algorithm::RS256);
}

#[tokio::test]
async fn pkcs12_with_x5c() {
    let credential = Credential::pkcs12(PFX, PFX_PASSWORD)
        .unwrap()
        .send_x5c(true);
    let (server, assertion) = sent_assertion(credential).await;
    let header = jsonwebtoken::decode_header(&assertion).unwrap();
    assert_eq!(header.alg, Algorithm::PS256);
    assert_eq!(header.x5c, Some(vec![STANDARD.encode(cert_der())]));
    verify(&server, &assertion, Algorithm::PS256);
}

#[tokio::test]
async fn pkcs12_with_a_wrong_password_is_a_clear_error() {
    let err = Credential::pkcs12(PFX, "not-the-password").unwrap_err();
    assert_eq!(err.kind(), entrad_auth::ErrorKind::Config);
    assert!(err.to_string().contains("password is wrong"), "{err}");
}

#[tokio::test]
async fn federated_token_file_is_read_on_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("azure-identity-token");
    std::fs::write(&file, "federated-one\n").unwrap();
    let server = server_answering(token_ok("short", 200)).await;
    let client = builder(&server, Credential::assertion_file(&file))
        .build()
        .unwrap();
    client.acquire_token(&[GRAPH]).await.unwrap();
    std::fs::write(&file, "federated-two").unwrap();
    client.acquire_token(&[GRAPH]).await.unwrap();
    let sent: Vec<String> = token_requests(&server)
        .await
        .iter()
        .map(|r| form(r)["client_assertion"].clone())
        .collect();
    assert_eq!(sent, ["federated-one", "federated-two"]);
}

#[tokio::test]
async fn assertion_callback_supplies_the_assertion() {
    let (_server, assertion) =
        sent_assertion(Credential::assertion_callback(
            || Ok("from-callback".into()),
        ))
        .await;
    assert_eq!(assertion, "from-callback");
}
