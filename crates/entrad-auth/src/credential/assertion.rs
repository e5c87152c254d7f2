//! The signed client assertion (RFC 7523 JWT) for certificate credentials.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header};
use secrecy::SecretString;
use serde::Serialize;
use url::Url;

use super::certificate::{SigningCertificate, Thumbprint};
use crate::{Error, Result};

/// How long an assertion is valid: MSAL uses 10 minutes too.
const LIFETIME: Duration = Duration::from_secs(600);

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    iat: u64,
    nbf: u64,
    exp: u64,
}

/// Signs a fresh assertion for `client_id` addressed to `token_endpoint`.
pub(crate) async fn sign(
    cert: &SigningCertificate,
    client_id: &str,
    token_endpoint: &Url,
    send_x5c: bool,
    now: SystemTime,
) -> Result<SecretString> {
    let mut header = match &cert.thumbprint {
        Thumbprint::Sha256(t) => {
            let mut h = Header::new(Algorithm::PS256);
            h.x5t_s256 = Some(t.clone());
            h
        }
        Thumbprint::Sha1(t) => {
            let mut h = Header::new(Algorithm::RS256);
            h.x5t = Some(t.clone());
            h
        }
    };
    if send_x5c && !cert.chain.is_empty() {
        header.x5c = Some(cert.chain.iter().map(|der| STANDARD.encode(der)).collect());
    }
    let iat = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::Credential("the system clock is before 1970".into()))?
        .as_secs();
    let claims = Claims {
        aud: token_endpoint.as_str(),
        iss: client_id,
        sub: client_id,
        jti: uuid::Uuid::new_v4().to_string(),
        iat,
        nbf: iat,
        exp: iat + LIFETIME.as_secs(),
    };
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(to_json(&header)?),
        URL_SAFE_NO_PAD.encode(to_json(&claims)?)
    );
    let signature = cert
        .key
        .sign(cert.thumbprint.algorithm(), signing_input.as_bytes())
        .await?;
    Ok(SecretString::from(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| Error::credential("cannot encode the client assertion", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};

    const KEY: &[u8] = include_bytes!("../../tests/fixtures/app-key.pem");
    const CERT: &[u8] = include_bytes!("../../tests/fixtures/app-cert.pem");

    fn endpoint() -> Url {
        Url::parse("https://127.0.0.1:8443/t/oauth2/v2.0/token").unwrap()
    }

    /// The fixture key's public half (RSAPublicKey DER), as ring sees it.
    fn public_der() -> Vec<u8> {
        let Some(Ok(rustls_pemfile::Item::Pkcs8Key(key))) =
            rustls_pemfile::read_all(&mut &KEY[..]).next()
        else {
            panic!("the fixture key is PKCS#8")
        };
        let pair = ring::signature::RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()).unwrap();
        ring::signature::KeyPair::public_key(&pair)
            .as_ref()
            .to_vec()
    }

    fn decode(token: &str, alg: Algorithm, _cert: &SigningCertificate) -> serde_json::Value {
        let key = DecodingKey::from_rsa_der(&public_der());
        let mut validation = Validation::new(alg);
        validation.set_audience(&[endpoint().as_str()]);
        validation.set_issuer(&["client-1"]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .unwrap()
            .claims
    }

    #[tokio::test]
    async fn ps256_with_x5t_s256_by_default() {
        let cert = SigningCertificate::from_pem(KEY, CERT).unwrap();
        let now = SystemTime::now();
        let jwt = sign(&cert, "client-1", &endpoint(), false, now)
            .await
            .unwrap();
        let header = jsonwebtoken::decode_header(jwt.expose_secret()).unwrap();
        assert_eq!(header.alg, Algorithm::PS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(
            header.x5t_s256,
            Some(URL_SAFE_NO_PAD.encode(Sha256::digest(&cert.chain[0])))
        );
        assert!(header.x5t.is_none() && header.x5c.is_none());
        let claims = decode(jwt.expose_secret(), Algorithm::PS256, &cert);
        assert_eq!(claims["sub"], "client-1");
        let iat = claims["iat"].as_u64().unwrap();
        assert_eq!(claims["nbf"].as_u64(), Some(iat));
        assert_eq!(claims["exp"].as_u64(), Some(iat + 600));
        assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    }

    #[tokio::test]
    async fn rs256_with_x5t_for_thumbprint_only() {
        let cert =
            SigningCertificate::from_thumbprint(KEY, "E77928A6454F3902D3C758F9AFFBF5E28F15A955")
                .unwrap();
        let jwt = sign(&cert, "client-1", &endpoint(), true, SystemTime::now())
            .await
            .unwrap();
        let header = jsonwebtoken::decode_header(jwt.expose_secret()).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.x5t.as_deref(), Some("53kopkVPOQLTx1j5r_v14o8VqVU"));
        assert!(header.x5c.is_none(), "no certificate, so no x5c");
        decode(jwt.expose_secret(), Algorithm::RS256, &cert);
    }

    #[tokio::test]
    async fn x5c_on_request() {
        let cert = SigningCertificate::from_pem(KEY, CERT).unwrap();
        let jwt = sign(&cert, "client-1", &endpoint(), true, SystemTime::now())
            .await
            .unwrap();
        let header = jsonwebtoken::decode_header(jwt.expose_secret()).unwrap();
        assert_eq!(header.x5c, Some(vec![STANDARD.encode(&cert.chain[0])]));
    }

    #[tokio::test]
    async fn each_assertion_has_its_own_jti() {
        let cert = SigningCertificate::from_pem(KEY, CERT).unwrap();
        let a = sign(&cert, "client-1", &endpoint(), false, SystemTime::now())
            .await
            .unwrap();
        let b = sign(&cert, "client-1", &endpoint(), false, SystemTime::now())
            .await
            .unwrap();
        let ca = decode(a.expose_secret(), Algorithm::PS256, &cert);
        let cb = decode(b.expose_secret(), Algorithm::PS256, &cert);
        assert_ne!(ca["jti"], cb["jti"]);
    }
}
