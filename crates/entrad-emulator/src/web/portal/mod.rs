//! The portal at `/_emulator/portal/`: the tenant and its apps (consent, Graph
//! permissions, masked credentials), users (search, paging, the Global Administrator role), groups
//! (search, paging, members), the live view of recent requests and the fault injector. Behind the admin token: entered once on the login page (or through
//! the one-time login URL of the ready line), it opens a session; every form carries
//! the session's CSRF token. The JSON admin API under `/_emulator/` is unchanged.

mod apps;
mod assets;
mod faults;
mod form;
mod gate;
mod groups;
mod login;
mod paging;
mod requests;
mod tenant;
mod users;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use super::page::see_other;
use crate::shared::AppState;
use gate::ROOT;

/// The portal's routes, with full paths.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let behind_login = Router::new()
        .route(&format!("{ROOT}/"), get(apps::page))
        .route(&format!("{ROOT}/consent"), post(apps::set_consent))
        .route(&format!("{ROOT}/roles"), post(apps::set_roles))
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
        .route_layer(from_fn_with_state(state.clone(), gate::require_login));
    Router::new()
        .route(ROOT, get(|| async { see_other(&format!("{ROOT}/"), None) }))
        .route(
            &format!("{ROOT}/login"),
            get(login::page).post(login::submit),
        )
        .route(&format!("{ROOT}/static/{{file}}"), get(assets::get))
        .merge(behind_login)
}
