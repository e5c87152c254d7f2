//! A posted portal form, let through only with its session's CSRF token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};

use crate::web::csrf;
use crate::web::error_page::ErrorPage;
use crate::web::page::Page;
use crate::web::session::Sessions;

/// A posted portal form whose CSRF token matched the session's: its fields. A form
/// without it is answered 403 before the handler runs, so nothing changes.
pub(crate) struct CheckedForm(pub(crate) Vec<(String, String)>);

impl<S> FromRequest<S> for CheckedForm
where
    S: Send + Sync,
    Arc<Sessions>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let session = Arc::<Sessions>::from_ref(state)
            .current(request.headers())
            .session;
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if csrf::valid(&session, field(&fields, "csrf")) {
            Ok(CheckedForm(fields))
        } else {
            Err(Page::new(&ErrorPage {
                title: "This form has expired".into(),
                message: "The form did not come from this portal session (its CSRF token is missing or stale): reload the page and try again.".into(),
            })
            .status(axum::http::StatusCode::FORBIDDEN)
            .into_response())
        }
    }
}

/// A form field by name.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
