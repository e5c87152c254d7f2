//! Any Graph request, as a person writes it (`entrad api`): a method, a path
//! or URL, headers and a JSON body; the answer as Graph sent it.

use bytes::Bytes;
use entrad_http::Method;
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::Result;
use crate::request::{Headers, Retried};

/// A request to send with [`GraphClient::call`].
#[derive(Debug, Clone)]
pub struct ApiRequest {
    method: Method,
    path_or_url: String,
    headers: Headers,
    body: Option<Value>,
}

impl ApiRequest {
    /// `method path_or_url`: a path relative to the Graph URL, or an absolute
    /// URL, which must be on an allowed origin.
    pub fn new(method: Method, path_or_url: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method,
            path_or_url: path_or_url.into(),
            headers: Headers::new(),
            body: None,
        }
    }

    /// Adds the header `name: value` (sent besides entrad's own).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ApiRequest {
        self.headers.push((name.into().into(), value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: Value) -> ApiRequest {
        self.body = Some(body);
        self
    }
}

/// A 2xx answer to an [`ApiRequest`].
#[derive(Debug, Clone)]
pub struct ApiAnswer {
    /// The HTTP status, e.g. 200 or 204.
    pub status: u16,
    /// The headers whose values are text, in order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, as Graph sent it (empty for a 204).
    pub body: Bytes,
}

impl GraphClient {
    /// Sends `request` with the token. Idempotent methods (GET, PUT, DELETE,
    /// HEAD) are sent again after a 503, a 504 or a lost answer; every
    /// method after a 429 (Graph did nothing). A non-2xx answer is
    /// [`Error::Graph`](crate::Error::Graph).
    pub async fn call(&self, request: &ApiRequest) -> Result<ApiAnswer> {
        let url = self.resolve(&request.path_or_url)?;
        let answer = self
            .execute_answer(
                request.method,
                &url,
                &request.headers,
                request.body.as_ref(),
                Retried::ByMethod,
            )
            .await?;
        Ok(ApiAnswer {
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
        })
    }
}
