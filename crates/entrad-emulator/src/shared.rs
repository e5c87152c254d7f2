//! The state the routers hold, and the parts of it handlers take through axum's
//! `State` (each part by `FromRef`): a handler names only the parts it uses, and
//! no part knows of this whole.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::access::Access;
use crate::base_url::Origin;
use crate::cae::Events;
use crate::directories::Directories;
use crate::faults::{Faults, Throttle};
use crate::keys::SigningKey;
use crate::stats::Stats;
use crate::web::{Recent, Sessions};

/// Every part, each shared behind its `Arc`.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) origin: Arc<Origin>,
    pub(crate) directories: Arc<Directories>,
    pub(crate) signing: Arc<SigningKey>,
    pub(crate) stats: Arc<Stats>,
    pub(crate) faults: Arc<Faults>,
    pub(crate) throttle: Arc<Throttle>,
    /// The admin token and the portal's one-time login code.
    pub(crate) access: Arc<Access>,
    /// Browser sessions (consent flow and portal).
    pub(crate) sessions: Arc<Sessions>,
    /// The recent requests the portal shows.
    pub(crate) recent: Arc<Recent>,
    /// Continuous access evaluation events.
    pub(crate) cae: Arc<Events>,
}

/// `impl FromRef<AppState> for Arc<Part>` for each field.
macro_rules! parts {
    ($($field:ident: $part:ty),* $(,)?) => {$(
        impl FromRef<AppState> for Arc<$part> {
            fn from_ref(state: &AppState) -> Arc<$part> {
                state.$field.clone()
            }
        }
    )*};
}

parts! {
    origin: Origin,
    directories: Directories,
    signing: SigningKey,
    stats: Stats,
    faults: Faults,
    throttle: Throttle,
    access: Access,
    sessions: Sessions,
    recent: Recent,
    cae: Events,
}
