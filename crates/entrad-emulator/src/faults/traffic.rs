//! The parts that count, throttle and fault requests: those of the guard in front
//! of every served route, and of each inner request of a `$batch`.

use std::sync::Arc;

use axum::extract::FromRef;

use super::registry::Faults;
use super::throttle::Throttle;
use crate::shared::AppState;
use crate::stats::Stats;

/// The request counters, the injected faults and the throttled clients.
#[derive(Debug, Clone)]
pub(crate) struct Traffic {
    pub(crate) stats: Arc<Stats>,
    pub(crate) faults: Arc<Faults>,
    pub(crate) throttle: Arc<Throttle>,
}

impl FromRef<AppState> for Traffic {
    fn from_ref(state: &AppState) -> Traffic {
        Traffic {
            stats: state.stats.clone(),
            faults: state.faults.clone(),
            throttle: state.throttle.clone(),
        }
    }
}
