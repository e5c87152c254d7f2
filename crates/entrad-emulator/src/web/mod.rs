//! The emulator's web part, for people in a browser: the admin consent flow
//! (`/{tenant}/adminconsent`) and the portal (`/_emulator/portal/`). Pages are
//! server-rendered from the templates in `templates/` (askama: compiled in and
//! checked at build time, escaping HTML by default), every form carries a CSRF token
//! bound to the browser's session, and every answer a strict Content-Security-Policy.

pub(crate) mod consent;
mod csrf;
mod headers;
mod page;
mod permissions;
mod portal;
mod recent;
mod redirect;
mod session;

use axum::Router;

use crate::admin_token::AdminToken;

pub(crate) use recent::Recent;
pub(crate) use session::Sessions;

use crate::shared::AppState;

/// What the web part keeps between requests.
#[derive(Debug, Default)]
pub(crate) struct Web {
    pub(crate) sessions: Sessions,
    pub(crate) recent: Recent,
    /// The one-time code of the portal's login URL, until it is used (redacted in `Debug`).
    pub(crate) login_code: std::sync::Mutex<Option<AdminToken>>,
}

impl Web {
    /// A web state whose portal can be entered once with `login_code`.
    pub(crate) fn new(login_code: Option<AdminToken>) -> Web {
        Web {
            login_code: std::sync::Mutex::new(login_code),
            ..Web::default()
        }
    }
}

/// A fresh random value for session ids, CSRF tokens and login codes: 32 bytes in hex.
pub(crate) fn random_hex() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The portal's routes (full paths), to be merged into the main router.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    portal::router(state)
}
