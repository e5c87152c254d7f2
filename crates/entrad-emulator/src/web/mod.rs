//! The emulator's web part, for people in a browser: the admin consent flow
//! (`/{tenant}/adminconsent`) and the portal (`/_emulator/portal/`). Pages are
//! server-rendered from the templates in `templates/` (askama: compiled in and
//! checked at build time, escaping HTML by default), every form carries a CSRF token
//! bound to the browser's session, and every answer a strict Content-Security-Policy.

pub(crate) mod consent;
mod csrf;
mod error_page;
mod headers;
mod page;
mod permissions;
mod portal;
mod recent;
mod redirect;
mod session;

use axum::Router;

pub(crate) use recent::Recent;
pub(crate) use session::Sessions;

use crate::shared::AppState;

/// The portal's routes (full paths), to be merged into the main router.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    portal::router(state)
}
