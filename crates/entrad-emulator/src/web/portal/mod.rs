//! The portal at `/_emulator/portal/`: the tenant and its apps (consent, masked
//! credentials), users (search, paging, the Global Administrator role), groups
//! (search, paging, members), the live view of recent requests and the fault injector. Behind the admin token: entered once on the login page (or through
//! the one-time login URL of the ready line), it opens a session; every form carries
//! the session's CSRF token. The JSON admin API under `/_emulator/` is unchanged.

mod apps;
mod assets;
mod faults;
mod groups;
mod login;
mod paging;
mod requests;
mod tenant;
mod users;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderMap;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::consent::ErrorPage;
use super::page::{Page, see_other};
use super::session::Session;
use crate::shared::AppState;

/// Where the portal lives.
pub(crate) const ROOT: &str = "/_emulator/portal";

/// The portal's routes, with full paths.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let behind_login = Router::new()
        .route(&format!("{ROOT}/"), get(apps::page))
        .route(&format!("{ROOT}/consent"), post(apps::set_consent))
        .route(&format!("{ROOT}/users"), get(users::page))
        .route(&format!("{ROOT}/users/roles"), post(users::set_admin))
        .route(&format!("{ROOT}/groups"), get(groups::page))
        .route(&format!("{ROOT}/groups/{{id}}"), get(groups::one))
        .route(&format!("{ROOT}/requests"), get(requests::page))
        .route(&format!("{ROOT}/requests.json"), get(requests::json))
        .route(
            &format!("{ROOT}/faults"),
            get(faults::page).post(faults::add),
        )
        .route(&format!("{ROOT}/faults/remove"), post(faults::remove))
        .route(&format!("{ROOT}/logout"), post(login::logout))
        .route_layer(from_fn_with_state(state.clone(), require_login));
    Router::new()
        .route(ROOT, get(|| async { see_other(&format!("{ROOT}/"), None) }))
        .route(
            &format!("{ROOT}/login"),
            get(login::page).post(login::submit),
        )
        .route(&format!("{ROOT}/static/{{file}}"), get(assets::get))
        .merge(behind_login)
}

/// Whether this emulator's portal needs a login (it has an admin token).
fn login_required(state: &AppState) -> bool {
    state.admin_token.is_some()
}

/// Lets a portal session (or anyone, without an admin token) through; sends others
/// to the login page.
async fn require_login(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let current = state.web.sessions.current(request.headers());
    if current.session.portal || !login_required(&state) {
        return next.run(request).await;
    }
    see_other(&format!("{ROOT}/login"), current.cookie)
}

/// The session of a portal request (`require_login` has let it through).
fn session(state: &AppState, headers: &HeaderMap) -> Session {
    state.web.sessions.current(headers).session
}

/// A posted portal form whose CSRF token matched the session's: its fields. A form
/// without it is answered 403 before the handler runs, so nothing changes.
pub(crate) struct CheckedForm(pub(crate) Vec<(String, String)>);

impl FromRequest<AppState> for CheckedForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let session = session(state, request.headers());
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if super::csrf::valid(&session, field(&fields, "csrf")) {
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
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
