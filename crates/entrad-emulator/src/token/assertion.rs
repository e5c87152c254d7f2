//! Verifying a client assertion (certificate credential): RS256 with `x5t` or PS256
//! with `x5t#S256`, against the certificates registered on the app.

use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256, RsaPublicKeyComponents,
};
use serde_json::Value;

use super::errors::TokenError;
use super::jws::{self, date_claim};
use crate::state::{App, RegisteredCertificate};

/// Clock skew tolerated on `exp` and `nbf`.
pub(crate) const SKEW_SECS: f64 = 300.0;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn header_bytes(header: &Value, name: &str) -> Option<Vec<u8>> {
    header.get(name)?.as_str().and_then(jws::decode)
}

/// The registered certificate the assertion names, or the 700027 refusal.
fn find_certificate<'a>(
    header: &Value,
    app: &'a App,
) -> Result<&'a RegisteredCertificate, TokenError> {
    let by_sha256 = header_bytes(header, "x5t#S256");
    let by_sha1 = header_bytes(header, "x5t");
    let found = app.certificates.iter().find(|c| {
        by_sha256.as_deref() == Some(&c.sha256[..]) || by_sha1.as_deref() == Some(&c.sha1[..])
    });
    found.ok_or_else(|| {
        let presented = by_sha256.or(by_sha1).map(|t| hex(&t)).unwrap_or_default();
        TokenError::unregistered_certificate(&presented, &app.client_id)
    })
}

fn audience_matches(claims: &Value, accepted: &[String]) -> bool {
    let matches = |aud: &str| {
        let aud = aud.trim_end_matches('/');
        accepted.iter().any(|a| a.eq_ignore_ascii_case(aud))
    };
    match claims.get("aud") {
        Some(Value::String(aud)) => matches(aud),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    }
}

/// The client id an assertion claims to be from (`sub`, else `iss`).
pub(crate) fn subject(assertion: &str) -> Option<String> {
    let claims = jws::unverified_claims(assertion)?;
    claims
        .get("sub")
        .or_else(|| claims.get("iss"))
        .and_then(Value::as_str)
        .map(String::from)
}

/// Checks an assertion presented for `app`; `accepted_audiences` are the token
/// endpoint URLs the client may have used (no trailing slash).
pub(crate) fn verify(
    assertion: &str,
    app: &App,
    accepted_audiences: &[String],
    now: f64,
) -> Result<(), TokenError> {
    let jws = jws::parse(assertion).ok_or_else(TokenError::malformed_assertion)?;
    let algorithm = match jws.header.get("alg").and_then(Value::as_str) {
        Some("RS256") => &RSA_PKCS1_2048_8192_SHA256,
        Some("PS256") => &RSA_PSS_2048_8192_SHA256,
        _ => return Err(TokenError::bad_signature()),
    };
    let certificate = find_certificate(&jws.header, app)?;
    if now < certificate.not_before as f64 || now > certificate.not_after as f64 {
        return Err(TokenError::new(
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation. [Reason - The certificate is not within its validity period.]",
        ));
    }
    let key = RsaPublicKeyComponents {
        n: &certificate.modulus,
        e: &certificate.exponent,
    };
    key.verify(algorithm, jws.signing_input.as_bytes(), &jws.signature)
        .map_err(|_| TokenError::bad_signature())?;
    let claim = |name: &str| jws.claims.get(name).and_then(Value::as_str);
    let (iss, sub) = (claim("iss"), claim("sub"));
    let same = |v: Option<&str>| v.is_some_and(|v| v.eq_ignore_ascii_case(&app.client_id));
    if !same(iss) || !same(sub) {
        return Err(TokenError::assertion_client_mismatch());
    }
    if !audience_matches(&jws.claims, accepted_audiences) {
        return Err(TokenError::assertion_audience());
    }
    check_lifetime(&jws.claims, now)
}

/// `exp` (required) and `nbf` (optional) against `now`, with the service's
/// clock skew: AADSTS700024 outside that window. Shared by client assertions
/// and federated tokens, which Entra checks alike.
pub(crate) fn check_lifetime(claims: &Value, now: f64) -> Result<(), TokenError> {
    let (nbf, exp) = (date_claim(claims, "nbf"), date_claim(claims, "exp"));
    let expired = exp.is_none_or(|exp| now > exp + SKEW_SECS);
    let early = nbf.is_some_and(|nbf| nbf > now + SKEW_SECS);
    if expired || early {
        return Err(TokenError::assertion_time_range(now, nbf, exp));
    }
    Ok(())
}
