//! Building client assertions the way MSAL does, with the app's key from the state dir.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Signs `claims` with the key of `state_dir/app-key.pem`; `pss` picks PS256 with
/// `x5t#S256`, else RS256 with `x5t`. Thumbprints are padded base64url, as MSAL Python sends them.
pub fn sign(state_dir: &std::path::Path, claims: &Value, pss: bool) -> String {
    let key_pem = std::fs::read(state_dir.join("app-key.pem")).unwrap();
    let der = match rustls_pemfile::private_key(&mut key_pem.as_slice())
        .unwrap()
        .unwrap()
    {
        rustls::pki_types::PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        _ => panic!("expected PKCS#8"),
    };
    let cert_pem = std::fs::read(state_dir.join("app-cert.pem")).unwrap();
    let cert = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .next()
        .unwrap()
        .unwrap();
    let header = if pss {
        json!({"alg": "PS256", "typ": "JWT", "x5t#S256": URL_SAFE.encode(Sha256::digest(&cert))})
    } else {
        json!({"alg": "RS256", "typ": "JWT", "x5t": URL_SAFE.encode(Sha1::digest(&cert))})
    };
    sign_with_header(&der, &header, claims, pss)
}

pub fn sign_with_header(pkcs8: &[u8], header: &Value, claims: &Value, pss: bool) -> String {
    let key = RsaKeyPair::from_pkcs8(pkcs8).unwrap();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    let alg: &dyn ring::signature::RsaEncoding = if pss {
        &RSA_PSS_SHA256
    } else {
        &RSA_PKCS1_SHA256
    };
    key.sign(alg, &SystemRandom::new(), input.as_bytes(), &mut signature)
        .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// MSAL Python's claims: float dates, a jti, iss = sub = client id.
pub fn claims(client_id: &str, aud: &str) -> Value {
    let now = now();
    json!({"aud": aud, "iss": client_id, "sub": client_id, "exp": now + 600.0, "iat": now, "jti": "6d5e9b4c-1f7a-4a4e-9b1d-2f6c3e8a7b90"})
}
