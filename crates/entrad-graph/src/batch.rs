//! `POST /v1.0/$batch`: up to 20 requests in one round trip.

use std::collections::{BTreeMap, HashSet};

use entrad_http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::{Error, Result};
use crate::json_body::parse_json;
use crate::request::Headers;

/// Graph's limit on requests per batch.
const MAX_BATCH: usize = 20;

/// One request of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRequest {
    /// Unique within the batch; responses carry it back.
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// Relative to the version, e.g. `/users?$select=id`. An absolute URL
    /// must be one the client sends its token to, or the batch is refused.
    pub url: String,
    /// Request headers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// JSON body, for writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Ids that must succeed first (a failed one gives this request 424).
    #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

impl BatchRequest {
    /// A GET of `url` (relative to the version, e.g. `/users/{id}`).
    pub fn get(id: impl Into<String>, url: impl Into<String>) -> BatchRequest {
        BatchRequest {
            id: id.into(),
            method: "GET".to_owned(),
            url: url.into(),
            headers: BTreeMap::new(),
            body: None,
            depends_on: Vec::new(),
        }
    }
}

/// One response of a batch; each has its own status (429 included: retry those yourself).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BatchResponse {
    /// The request's id.
    pub id: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Its JSON body (`null` if none).
    #[serde(default)]
    pub body: Value,
}

#[derive(Serialize)]
struct Envelope<'a> {
    requests: &'a [BatchRequest],
}

/// The body of a `$batch` answer.
#[derive(Deserialize)]
pub(crate) struct Responses {
    pub(crate) responses: Vec<BatchResponse>,
}

impl GraphClient {
    /// Sends up to 20 requests as one `POST v1.0/$batch`; the responses come
    /// back in the order of `requests` (Graph answers in any order). A
    /// request with an absolute URL the token may not go to (see
    /// [`GraphClient`]) refuses the whole batch before anything is sent.
    pub async fn batch(&self, requests: Vec<BatchRequest>) -> Result<Vec<BatchResponse>> {
        if requests.is_empty() || requests.len() > MAX_BATCH {
            return Err(Error::InvalidRequest(format!(
                "a batch holds 1 to {MAX_BATCH} requests, not {}",
                requests.len()
            )));
        }
        let mut ids = HashSet::new();
        if let Some(dup) = requests.iter().find(|r| !ids.insert(r.id.as_str())) {
            return Err(Error::InvalidRequest(format!(
                "duplicate batch request id `{}`",
                dup.id
            )));
        }
        let url = self.resolve("v1.0/$batch")?;
        for request in &requests {
            // Relative URLs resolve to the batch's own origin; absolute and
            // scheme-relative ones (`//host/..`) to theirs.
            let inner = url.join(&request.url).map_err(|source| Error::BatchUrl {
                id: request.id.clone(),
                source,
            })?;
            self.origins.check(&inner)?;
        }
        let body = serde_json::to_value(Envelope {
            requests: &requests,
        })
        .map_err(|e| Error::BatchEncoding(entrad_auth::Cause::new(e)))?;
        let bytes = self
            .execute(Method::Post, &url, &Headers::new(), Some(&body))
            .await?;
        let Responses { mut responses } = parse_responses(&bytes)?;
        put_in_request_order(&requests, &mut responses);
        Ok(responses)
    }
}

/// Sorts `responses` as their `requests` were sent; unknown ids go last.
pub(crate) fn put_in_request_order(requests: &[BatchRequest], responses: &mut [BatchResponse]) {
    let position = |id: &str| {
        requests
            .iter()
            .position(|r| r.id == id)
            .unwrap_or(usize::MAX)
    };
    responses.sort_by_key(|r| position(&r.id));
}

/// Straight from the bytes into the responses; only a body that does not fit
/// goes through a JSON tree, to say whether it is JSON at all.
pub(crate) fn parse_responses(bytes: &[u8]) -> Result<Responses> {
    serde_json::from_slice(bytes).or_else(|_| {
        serde_json::from_value(parse_json(bytes)?)
            .map_err(|e| Error::unexpected("not a batch response", e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_serialize_as_graph_expects() {
        let mut r = BatchRequest::get("1", "/users?$select=id");
        r.depends_on.push("0".into());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id":"1","method":"GET","url":"/users?$select=id","dependsOn":["0"]})
        );
    }
}
