//! Browser sessions: a random id in an `HttpOnly; Secure; SameSite=Strict` cookie, and
//! on the server the session's CSRF token, the directory user signed in to the consent
//! flow and whether the portal was entered with the admin token.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue, header};
use uuid::Uuid;

/// The cookie's name.
const COOKIE: &str = "entrad_session";
/// Sessions kept at most; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

/// One browser's session (`Debug` leaves out its id and CSRF token).
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) csrf: String,
    /// The directory user signed in to the consent flow.
    pub(crate) user: Option<Uuid>,
    /// Whether the portal was entered (admin token or one-time login URL).
    pub(crate) portal: bool,
    created: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("portal", &self.portal)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Store {
    map: HashMap<String, Session>,
    next: u64,
}

/// All sessions.
#[derive(Default)]
pub(crate) struct Sessions {
    store: Mutex<Store>,
}

/// Session ids and CSRF tokens are credentials: `Debug` shows only how many there are.
impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("count", &self.lock().map.len())
            .finish_non_exhaustive()
    }
}

/// A session found or begun for a request; `cookie` is set when it is new.
pub(crate) struct Current {
    pub(crate) session: Session,
    pub(crate) cookie: Option<HeaderValue>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // Every update is one insert or field change: a poisoned lock is still consistent.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The request's session, or a new one (with its `Set-Cookie`).
    pub(crate) fn current(&self, headers: &HeaderMap) -> Current {
        let mut store = self.lock();
        if let Some(session) = cookie_value(headers).and_then(|id| store.map.get(id)) {
            return Current {
                session: session.clone(),
                cookie: None,
            };
        }
        begin(&mut store, false)
    }

    /// Ends the session `old` and begins a portal session in its place (with its
    /// `Set-Cookie`): a session id known before the login, one a stranger may have
    /// planted in the browser, opens nothing after it.
    pub(crate) fn enter_portal(&self, old: &str) -> Current {
        let mut store = self.lock();
        store.map.remove(old);
        begin(&mut store, true)
    }

    /// Changes a session (no-op when it has gone).
    pub(crate) fn update(&self, id: &str, change: impl FnOnce(&mut Session)) {
        if let Some(session) = self.lock().map.get_mut(id) {
            change(session);
        }
    }
}

/// A new session, the oldest one dropped when there are too many.
fn begin(store: &mut Store, portal: bool) -> Current {
    if store.map.len() >= MAX_SESSIONS
        && let Some(oldest) = store
            .map
            .values()
            .min_by_key(|s| s.created)
            .map(|s| s.id.clone())
    {
        store.map.remove(&oldest);
    }
    store.next += 1;
    let session = Session {
        id: random_hex(),
        csrf: random_hex(),
        user: None,
        portal,
        created: store.next,
    };
    store.map.insert(session.id.clone(), session.clone());
    let cookie = HeaderValue::from_str(&format!(
        "{COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict",
        session.id
    ))
    .ok();
    Current { session, cookie }
}

/// A fresh random value for session ids and CSRF tokens: 32 bytes in hex.
fn random_hex() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session id the request's cookie names.
fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_again_by_its_cookie_and_a_stranger_gets_a_new_one() {
        let sessions = Sessions::default();
        let first = sessions.current(&HeaderMap::new());
        let cookie = first.cookie.unwrap();
        let text = cookie.to_str().unwrap();
        assert!(text.contains("HttpOnly; Secure; SameSite=Strict"), "{text}");
        let mut headers = HeaderMap::new();
        let pair = text.split(';').next().unwrap();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {pair}")).unwrap(),
        );
        let again = sessions.current(&headers);
        assert!(again.cookie.is_none());
        assert_eq!(again.session.csrf, first.session.csrf);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("entrad_session=forged"),
        );
        assert_ne!(sessions.current(&headers).session.id, first.session.id);
        let debug = format!("{sessions:?} {:?}", first.session);
        assert!(
            !debug.contains(&first.session.id) && !debug.contains(&first.session.csrf),
            "{debug}"
        );
    }
}
