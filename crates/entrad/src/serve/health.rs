//! `GET /healthz`: the broker is up and serving.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

use crate::serve::reply;

/// 200 `{"status":"ok"}`.
pub fn response() -> Response<Full<Bytes>> {
    reply::json(hyper::StatusCode::OK, &serde_json::json!({"status": "ok"}))
}
