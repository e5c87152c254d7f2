//! Entering the portal: the admin token typed once on the login page, or the one-time
//! login URL of the ready line (`?code=`, good once); either marks the browser's
//! session as a portal session.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{CheckedForm, ROOT, field};
use crate::admin_token;
use crate::shared::AppState;
use crate::web::page::{Page, see_other};

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
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let current = state.web.sessions.current(&headers);
    if let Some(code) = query.code.as_deref() {
        let used = {
            let mut expected = state
                .web
                .login_code
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let valid = expected
                .as_ref()
                .is_some_and(|e| admin_token::matches(e.as_str(), code));
            if valid {
                *expected = None;
            }
            valid
        };
        if used {
            state
                .web
                .sessions
                .update(&current.session.id, |s| s.portal = true);
            return see_other(&format!("{ROOT}/"), current.cookie);
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
    State(state): State<AppState>,
    headers: HeaderMap,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let session = super::session(&state, &headers);
    let given = field(&fields, "token").unwrap_or("").trim();
    let valid = match &state.admin_token {
        Some(expected) => admin_token::matches(expected.as_str(), given),
        None => true,
    };
    if !valid {
        return Page::new(&Login {
            csrf: &session.csrf,
            error: Some("That is not this emulator's admin token (see the ready line or the state directory's admin-token file)."),
        })
        .status(StatusCode::UNAUTHORIZED)
        .into_response();
    }
    state.web.sessions.update(&session.id, |s| s.portal = true);
    see_other(&format!("{ROOT}/"), None)
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _form: CheckedForm,
) -> Response {
    let session = super::session(&state, &headers);
    state.web.sessions.update(&session.id, |s| s.portal = false);
    see_other(&format!("{ROOT}/login"), None)
}
