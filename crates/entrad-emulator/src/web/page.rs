//! Turning a template into an answer: status, the security headers, the session
//! cookie when it is new.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::headers;

/// A rendered page.
pub(crate) struct Page {
    status: StatusCode,
    body: Result<String, askama::Error>,
    cookie: Option<HeaderValue>,
    form_origin: Option<String>,
}

impl Page {
    pub(crate) fn new(template: &impl Template) -> Page {
        Page {
            status: StatusCode::OK,
            body: template.render(),
            cookie: None,
            form_origin: None,
        }
    }

    pub(crate) fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// Sets the session cookie (when the session is new).
    pub(crate) fn cookie(mut self, cookie: Option<HeaderValue>) -> Page {
        self.cookie = cookie;
        self
    }

    /// Lets the page's forms end in a redirect to this origin.
    pub(crate) fn form_origin(mut self, origin: Option<String>) -> Page {
        self.form_origin = origin;
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!("cannot render a page: {e}");
                (StatusCode::INTERNAL_SERVER_ERROR, "cannot render the page").into_response()
            }
        };
        headers::secure(response.headers_mut(), self.form_origin.as_deref());
        if let Some(cookie) = self.cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// A `303 See Other` to `location` (after a form), with the security headers.
pub(crate) fn see_other(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    headers::secure(response.headers_mut(), None);
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
