//! A Graph answer before it becomes an HTTP response (or an inner response of a batch),
//! and the per-request context Graph echoes in headers and errors.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use crate::clock::graph_date;

/// Graph's JSON content type.
pub(crate) const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// What Graph needs to know about the request it answers.
#[derive(Debug, Clone)]
pub(crate) struct GraphCtx {
    pub(crate) request_id: String,
    pub(crate) client_request_id: String,
    /// `https://127.0.0.1:PORT`: links point back here.
    pub(crate) base: String,
    /// `ConsistencyLevel: eventual` was sent (advanced queries).
    pub(crate) eventual: bool,
    /// `Prefer: odata.maxpagesize=N`.
    pub(crate) max_page_size: Option<usize>,
    /// The number of the caller's tenant, once its token is accepted (0: the default one).
    pub(crate) tenant: usize,
}

impl GraphCtx {
    pub(crate) fn new(headers: &HeaderMap, base: String) -> GraphCtx {
        let request_id = Uuid::new_v4().to_string();
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 100)
            .map(String::from)
            .unwrap_or_else(|| request_id.clone());
        let eventual = headers
            .get("consistencylevel")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"));
        let max_page_size = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find_map(|p| {
                p.trim()
                    .strip_prefix("odata.maxpagesize=")?
                    .trim()
                    .parse()
                    .ok()
            });
        GraphCtx {
            request_id,
            client_request_id,
            base,
            eventual,
            max_page_size,
            tenant: 0,
        }
    }
}

/// A Graph answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    /// `None` for an answer without a body (204): Graph then sends no `Content-Type`.
    pub(crate) content_type: Option<&'static str>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

#[derive(Serialize)]
struct InnerError<'a> {
    date: String,
    #[serde(rename = "request-id")]
    request_id: &'a str,
    #[serde(rename = "client-request-id")]
    client_request_id: &'a str,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(rename = "innerError")]
    inner_error: InnerError<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

impl Reply {
    /// A 200 with a JSON body already serialized.
    pub(crate) fn ok(body: Vec<u8>) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type: Some(ODATA_JSON),
            headers: Vec::new(),
            body,
        }
    }

    /// A 204: no body, so no `Content-Type` either (as Graph answers writes).
    pub(crate) fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            content_type: None,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Serializes `value` as a 200 answer.
    pub(crate) fn json(value: &impl Serialize, ctx: &GraphCtx) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply::ok(body),
            Err(e) => Reply::error(
                500,
                "generalException",
                &format!("Serialization failed: {e}"),
                ctx,
            ),
        }
    }

    /// Graph's error shape: `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`.
    pub(crate) fn error(status: u16, code: &str, message: &str, ctx: &GraphCtx) -> Reply {
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                inner_error: InnerError {
                    date: graph_date(),
                    request_id: &ctx.request_id,
                    client_request_id: &ctx.client_request_id,
                },
            },
        };
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            content_type: Some("application/json"),
            headers: Vec::new(),
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// The HTTP response, with Graph's `request-id` and `client-request-id` headers.
    pub(crate) fn into_response(self, ctx: &GraphCtx) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        // axum marks a byte body `application/octet-stream`, even an empty one.
        match self.content_type {
            Some(content_type) => {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type))
            }
            None => headers.remove(header::CONTENT_TYPE),
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        for (name, value) in [
            ("request-id", &ctx.request_id),
            ("client-request-id", &ctx.client_request_id),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        response
    }
}

/// An injected (or early-retry) 429/503/504, in Graph's shape, with `Retry-After`.
pub(crate) fn fault_reply(status: u16, retry_after: u64, ctx: &GraphCtx) -> Reply {
    let (code, message) = match status {
        429 => ("TooManyRequests", "Please retry again later."),
        503 => (
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry again later.",
        ),
        _ => (
            "GatewayTimeout",
            "The gateway did not receive a response in time. Please retry again later.",
        ),
    };
    Reply::error(status, code, message, ctx).with_header("retry-after", retry_after.to_string())
}
