//! Verifying a federated client assertion (workload identity federation): a token of an
//! external OIDC issuer, here the emulator's own, exchanged for an app token when it
//! matches one of the app's federated identity credentials. Issuer, subject and
//! audience are compared exactly (case-sensitive), as Entra does.

use ring::signature::RSA_PKCS1_2048_8192_SHA256;
use serde_json::Value;

use super::assertion::check_lifetime;
use super::errors::TokenError;
use super::jws;
use crate::keys::SigningKey;
use crate::state::App;

/// Whether `assertion` is a federated token rather than one the app signed itself:
/// an app's own assertion has `iss` = its client id.
pub(crate) fn is_federated(assertion: &str, client_id: &str) -> bool {
    jws::unverified_claims(assertion)
        .and_then(|claims| claims.get("iss")?.as_str().map(String::from))
        .is_some_and(|iss| !iss.eq_ignore_ascii_case(client_id))
}

fn audiences(claims: &Value) -> Vec<&str> {
    match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Checks a federated `assertion` presented for `app`. `issuer` is the emulator's OIDC
/// issuer, whose key is `key`: the only issuer the emulator can fetch keys from.
pub(crate) fn verify(
    assertion: &str,
    app: &App,
    issuer: &str,
    key: &SigningKey,
    now: f64,
) -> Result<(), TokenError> {
    let jws = jws::parse(assertion).ok_or_else(TokenError::malformed_assertion)?;
    let claim = |name: &str| jws.claims.get(name).and_then(Value::as_str).unwrap_or("");
    let (iss, sub) = (claim("iss"), claim("sub"));
    let presented_audiences = audiences(&jws.claims);
    if app.federated_credentials.is_empty() {
        return Err(TokenError::no_federated_record(
            iss,
            sub,
            &presented_audiences.join(" "),
        ));
    }
    if iss != issuer {
        return Err(TokenError::federated_issuer(iss));
    }
    let kid = jws.header.get("kid").and_then(Value::as_str).unwrap_or("");
    if kid != key.kid() {
        return Err(TokenError::federated_key_not_found(kid, issuer));
    }
    if jws.header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(TokenError::bad_signature());
    }
    key.public_components()
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            jws.signing_input.as_bytes(),
            &jws.signature,
        )
        .map_err(|_| TokenError::bad_signature())?;
    let for_subject: Vec<_> = app
        .federated_credentials
        .iter()
        .filter(|f| f.subject == sub)
        .collect();
    if for_subject.is_empty() {
        return Err(TokenError::federated_subject(sub));
    }
    let audience_matches = for_subject.iter().any(|f| {
        f.audiences
            .iter()
            .any(|a| presented_audiences.contains(&a.as_str()))
    });
    if !audience_matches {
        return Err(TokenError::federated_audience(
            &presented_audiences.join(" "),
        ));
    }
    check_lifetime(&jws.claims, now)
}
