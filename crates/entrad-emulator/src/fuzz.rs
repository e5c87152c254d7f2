//! Entry points for the fuzz targets in the repository's `fuzz/` directory and
//! for the stable regression tests that replay their corpus.
//!
//! **Not a stable API**: hidden from the documentation, it changes with the
//! parsers it reaches. Each function takes untrusted bytes as a request would
//! carry them, and panics only when an invariant of the parser breaks.

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::Value;

use crate::graph::query_refusal;
use crate::token::{endpoint, jws};

/// A Graph list request's query string (`$filter`, `$search`, `$select`, `$top`,
/// `$count`, paging tokens), with and without `ConsistencyLevel: eventual`.
///
/// Invariant: a refusal is a 400 carrying Graph's error JSON with a message.
pub fn graph_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    for eventual in [false, true] {
        let mut headers = HeaderMap::new();
        if eventual {
            headers.insert("consistencylevel", HeaderValue::from_static("eventual"));
        }
        if let Some((status, body)) = query_refusal(&query, &headers) {
            assert_eq!(status, 400, "a refused query is a 400");
            let json: Value = serde_json::from_slice(&body).expect("the refusal is JSON");
            let message = json["error"]["message"].as_str();
            assert!(message.is_some_and(|m| !m.is_empty()), "{json}");
        }
    }
}

/// The token endpoint's request: `data` is the form body, and also the value of
/// an `Authorization` header (HTTP Basic client credentials) when it can be one.
pub fn token_form(data: &[u8]) {
    let form = endpoint::TokenForm::parse(data);
    let _ = form.claimed_client();
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value);
        let _ = endpoint::basic_credentials(&headers);
    }
}

/// A compact JWS (client assertion or bearer token) as a client sends it.
///
/// Invariant: a parsed JWS's signing input is its first two segments.
pub fn jws(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    if let Some(parsed) = jws::parse(&token) {
        assert!(token.starts_with(parsed.signing_input));
        assert_eq!(parsed.signing_input.matches('.').count(), 1);
        for claim in ["exp", "nbf", "iat"] {
            let _ = jws::date_claim(&parsed.claims, claim);
        }
    }
    let _ = jws::unverified_claims(&token);
    let _ = crate::token::assertion::subject(&token);
}
