//! The portal's door: where it lives, the middleware that sends anyone without a
//! portal session to the login page, and the session of a request let through.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::access::Access;
use crate::web::page::see_other;
use crate::web::session::{Session, Sessions};

/// Where the portal lives.
pub(crate) const ROOT: &str = "/_emulator/portal";

/// Lets a portal session (or anyone, without an admin token) through; sends others
/// to the login page.
pub(super) async fn require_login(
    State(access): State<Arc<Access>>,
    State(sessions): State<Arc<Sessions>>,
    request: Request,
    next: Next,
) -> Response {
    let current = sessions.current(request.headers());
    if current.session.portal || !access.required() {
        return next.run(request).await;
    }
    see_other(&format!("{ROOT}/login"), current.cookie)
}

/// The session of a portal request (`require_login` has let it through).
pub(crate) struct PortalSession(pub(crate) Session);

impl<S> FromRequestParts<S> for PortalSession
where
    S: Send + Sync,
    Arc<Sessions>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let sessions = Arc::<Sessions>::from_ref(state);
        Ok(PortalSession(sessions.current(&parts.headers).session))
    }
}
