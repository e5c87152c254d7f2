//! The portal's style sheet and the live view's script, compiled in and served from
//! the emulator itself (the pages' policy allows scripts and styles from 'self' only).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../../static/web.css");
const LIVE_JS: &str = include_str!("../../../static/live.js");

pub(crate) async fn get(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "web.css" => (CSS, "text/css; charset=utf-8"),
        "live.js" => (LIVE_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    crate::web::headers::secure(headers, None);
    response
}
