//! The active faults and the decision, per request, of which of them fire.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;

use super::spec::{FaultKind, FaultSpec, FaultTrigger};
use crate::route::Route;

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// Delay before answering (or before dropping).
    pub(crate) latency: Duration,
    /// The fault that replaces the answer, with its `Retry-After` seconds.
    pub(crate) outcome: Option<(FaultKind, u64)>,
}

#[derive(Debug)]
struct Active {
    id: u64,
    spec: FaultSpec,
    fired: u64,
}

#[derive(Debug, Default)]
struct List {
    next_id: u64,
    active: Vec<Active>,
}

/// The faults set by flags and the admin API.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Mutex<List>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, List> {
        // A panic while holding this lock leaves the list consistent (every update is one push or retain).
        self.list
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a fault and returns its id.
    pub(crate) fn add(&self, spec: FaultSpec) -> u64 {
        let mut list = self.lock();
        list.next_id += 1;
        let id = list.next_id;
        list.active.push(Active { id, spec, fired: 0 });
        id
    }

    /// Removes every fault.
    pub(crate) fn clear(&self) {
        self.lock().active.clear();
    }

    /// Removes one fault; false when no fault has this id.
    pub(crate) fn remove(&self, id: u64) -> bool {
        let mut list = self.lock();
        let before = list.active.len();
        list.active.retain(|a| a.id != id);
        list.active.len() != before
    }

    /// The active faults as the admin API lists them.
    pub(crate) fn list(&self) -> Vec<serde_json::Value> {
        self.lock()
            .active
            .iter()
            .map(|a| {
                let mut value = serde_json::to_value(a.spec.to_body())
                    .unwrap_or_else(|_| serde_json::json!({}));
                if let serde_json::Value::Object(map) = &mut value {
                    map.insert("id".into(), a.id.into());
                    map.insert("fired".into(), a.fired.into());
                }
                value
            })
            .collect()
    }

    /// Decides which faults fire for one request of `route`. Latency faults add up;
    /// the first firing fault of another kind replaces the answer, and the faults after
    /// it are not consulted (their counts are kept). Inner requests of a batch cannot be
    /// dropped on their own, so `allow_drop` is false for them.
    pub(crate) fn decide(&self, route: Route, allow_drop: bool) -> Decision {
        let mut decision = Decision::default();
        let mut list = self.lock();
        let mut rng = rand::thread_rng();
        for active in list.active.iter_mut() {
            if decision.outcome.is_some() {
                break;
            }
            if !active.spec.matches(route) || (!allow_drop && active.spec.kind == FaultKind::Drop) {
                continue;
            }
            let fires = match &mut active.spec.trigger {
                FaultTrigger::Always => true,
                FaultTrigger::Count(0) => false,
                FaultTrigger::Count(n) => {
                    *n -= 1;
                    true
                }
                FaultTrigger::Rate(rate) => rng.r#gen::<f64>() < *rate,
            };
            if !fires {
                continue;
            }
            active.fired += 1;
            decision.latency += Duration::from_millis(active.spec.latency_ms);
            if active.spec.kind != FaultKind::Latency {
                decision.outcome = Some((active.spec.kind, active.spec.retry_after));
            }
        }
        list.active
            .retain(|a| a.spec.trigger != FaultTrigger::Count(0));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_faults_fire_n_times_then_vanish() {
        let faults = Faults::default();
        faults.add("users:503:count=2".parse().unwrap());
        assert!(faults.decide(Route::Token, true).outcome.is_none());
        assert!(faults.decide(Route::Users, true).outcome.is_some());
        assert!(faults.decide(Route::Users, true).outcome.is_some());
        assert!(faults.decide(Route::Users, true).outcome.is_none());
        assert!(faults.list().is_empty());
    }

    #[test]
    fn latency_adds_up_and_drop_is_skipped_inside_batches() {
        let faults = Faults::default();
        faults.add("*:latency:latency_ms=5".parse().unwrap());
        faults.add("users:drop".parse().unwrap());
        let d = faults.decide(Route::Users, false);
        assert_eq!(d.latency, Duration::from_millis(5));
        assert!(d.outcome.is_none());
        let d = faults.decide(Route::Users, true);
        assert_eq!(d.outcome.map(|o| o.0), Some(FaultKind::Drop));
    }
}
