//! Compact JWS: parsing (tolerant of padded base64url, as MSAL Python pads `x5t`)
//! and base64url helpers.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// A parsed, not yet verified, compact JWS.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub(crate) header: Value,
    pub(crate) claims: Value,
    /// `header.payload` exactly as received: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: Vec<u8>,
}

/// Decodes base64url, with or without `=` padding.
pub(crate) fn decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()
}

pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn json_object(segment: &str) -> Option<Value> {
    let value: Value = serde_json::from_slice(&decode(segment)?).ok()?;
    value.is_object().then_some(value)
}

/// Splits and decodes `header.payload.signature`; `None` when it is not a JWS.
pub(crate) fn parse(token: &str) -> Option<Jws<'_>> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Jws {
        header: json_object(header)?,
        claims: json_object(payload)?,
        signing_input: &token[..header.len() + 1 + payload.len()],
        signature: decode(signature)?,
    })
}

/// The payload's claims without any verification (to tell who a client is for throttling).
pub(crate) fn unverified_claims(token: &str) -> Option<Value> {
    json_object(token.split('.').nth(1)?)
}

/// A numeric date claim; MSAL Python sends floats.
pub(crate) fn date_claim(claims: &Value, name: &str) -> Option<f64> {
    claims.get(name)?.as_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_padding_and_rejects_garbage() {
        assert_eq!(decode("YQ==").unwrap(), b"a");
        assert_eq!(decode("YQ").unwrap(), b"a");
        let token = format!(
            "{}.{}.{}",
            encode(b"{\"alg\":\"RS256\"}"),
            encode(b"{\"exp\":1.5}"),
            "c2ln"
        );
        let jws = parse(&token).unwrap();
        assert_eq!(date_claim(&jws.claims, "exp"), Some(1.5));
        assert_eq!(jws.signature, b"sig");
        assert!(parse("a.b").is_none());
        assert!(parse("a.b.c.d").is_none());
        assert!(parse("e30.e30.!!").is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted tokens and assertions: Some or None, never a panic.
        #[test]
        fn prop_jws_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[A-Za-z0-9_=+/-]{0,24}(\\.[A-Za-z0-9_=+/-]{0,24}){0,3}",
            ],
            claims in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        ) {
            let _ = parse(&input);
            let _ = unverified_claims(&input);
            let _ = decode(&input);
            let token = format!("{}.{}.{}", encode(b"{\"alg\":\"RS256\"}"), encode(&claims), "c2ln");
            if let Some(value) = unverified_claims(&token) {
                let _ = date_claim(&value, "exp");
            }
        }
    }
}
