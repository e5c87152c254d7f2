//! A response body read as JSON, for the requests and the batch and page
//! readers alike.

use serde_json::Value;

use crate::error::{Error, Result};

/// The body as JSON; an empty body (204) is `null`.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| Error::unexpected("the body is not JSON", e))
}
