//! Entering the portal: the admin token typed once on the login page, or the one-time
//! login URL of the ready line (`?code=`, good once); either ends the browser's
//! session and begins a portal session with a new cookie, so that a session id
//! known before the login (planted by a stranger) does not open the portal.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::form::{CheckedForm, field};
use super::gate::{PortalSession, ROOT};
use crate::access::Access;
use crate::web::page::{Page, see_other};
use crate::web::session::Sessions;

#[derive(Template)]
#[template(path = "portal/login.html")]
struct Login<'a> {
    csrf: &'a str,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    code: Option<String>,
}

/// `GET`: with a valid one-time `code`, opens the session (once); else the form.
pub(crate) async fn page(
    State(access): State<Arc<Access>>,
    State(sessions): State<Arc<Sessions>>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let current = sessions.current(&headers);
    if let Some(code) = query.code.as_deref() {
        if access.use_login_code(code) {
            let entered = sessions.enter_portal(&current.session.id);
            return see_other(&format!("{ROOT}/"), entered.cookie);
        }
        return Page::new(&Login {
            csrf: &current.session.csrf,
            error: Some(
                "This login link has been used or is not this emulator's: enter the admin token.",
            ),
        })
        .status(StatusCode::FORBIDDEN)
        .cookie(current.cookie)
        .into_response();
    }
    Page::new(&Login {
        csrf: &current.session.csrf,
        error: None,
    })
    .cookie(current.cookie)
    .into_response()
}

/// `POST`: the admin token from the form.
pub(crate) async fn submit(
    State(access): State<Arc<Access>>,
    State(sessions): State<Arc<Sessions>>,
    PortalSession(session): PortalSession,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let given = field(&fields, "token").unwrap_or("").trim();
    if !access.admits(given) {
        return Page::new(&Login {
            csrf: &session.csrf,
            error: Some("That is not this emulator's admin token (see the ready line or the state directory's admin-token file)."),
        })
        .status(StatusCode::UNAUTHORIZED)
        .into_response();
    }
    let entered = sessions.enter_portal(&session.id);
    see_other(&format!("{ROOT}/"), entered.cookie)
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(sessions): State<Arc<Sessions>>,
    PortalSession(session): PortalSession,
    _form: CheckedForm,
) -> Response {
    sessions.update(&session.id, |s| s.portal = false);
    see_other(&format!("{ROOT}/login"), None)
}
