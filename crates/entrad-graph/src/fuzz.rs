//! Entry points for the fuzz targets in the repository's `fuzz/` directory and
//! for the stable regression tests that replay their corpus.
//!
//! **Not a stable API**: hidden from the documentation, it changes with the
//! parsers it reaches. Each function takes untrusted bytes as Graph could send
//! them, and panics only when an invariant of the parser breaks.

use crate::batch::{BatchRequest, parse_responses, put_in_request_order};
use crate::challenge::claims_of;
use crate::error::GraphError;
use crate::page::Page;

/// A collection page, and the same bytes as an error response.
///
/// Invariants: a page survives serialise → parse unchanged; errors are one line.
pub fn page(data: &[u8]) {
    match Page::from_slice(data) {
        Ok(page) => {
            let again = serde_json::to_vec(&page).expect("a page serialises");
            assert_eq!(Page::from_slice(&again).expect("a page parses again"), page);
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
    let error = GraphError::parse(503, data, None, None);
    assert_one_line(&error.to_string());
}

/// A `$batch` response body, put in the order of a batch of three requests.
///
/// Invariants: the known ids come first, in request order; errors are one line.
pub fn batch_response(data: &[u8]) {
    let requests: Vec<BatchRequest> = ["1", "2", "3"]
        .into_iter()
        .map(|id| BatchRequest::get(id, "/users"))
        .collect();
    match parse_responses(data) {
        Ok(parsed) => {
            let mut responses = parsed.responses;
            put_in_request_order(&requests, &mut responses);
            let known: Vec<&str> = responses
                .iter()
                .map(|r| r.id.as_str())
                .take_while(|id| ["1", "2", "3"].contains(id))
                .collect();
            assert!(known.is_sorted(), "{known:?}");
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
}

/// A `WWW-Authenticate` value of Graph's 401, read for a claims challenge
/// (`error="insufficient_claims", claims="<base64>"`).
///
/// Invariant: claims found are text with something in it, and a value
/// without `insufficient_claims` has none.
pub fn claims_challenge(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(claims) = claims_of(value) {
        assert!(!claims.trim().is_empty());
        assert!(value.contains("insufficient_claims"), "{value:?}");
    }
}

fn assert_one_line(message: &str) {
    assert!(!message.contains(['\n', '\r']), "{message:?}");
}
