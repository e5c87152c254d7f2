//! Graph's rule that a client retrying before its `Retry-After` has passed is throttled again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::route::Route;

/// When each (client, route) may come back.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    until: Mutex<HashMap<(String, Route), Instant>>,
}

impl Throttle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, Route), Instant>> {
        // Each update is a single insert or retain: a poisoned map is still consistent.
        self.until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Seconds (rounded up) the client must still wait, if it came back too early.
    pub(crate) fn too_early(&self, client: &str, route: Route, now: Instant) -> Option<u64> {
        let mut until = self.lock();
        until.retain(|_, t| *t > now);
        let wait = until.get(&(client.to_string(), route))?.duration_since(now);
        Some(ceil_secs(wait))
    }

    /// Remembers the `Retry-After` just given to this client for this route.
    pub(crate) fn record(&self, client: &str, route: Route, until: Instant) {
        self.lock().insert((client.to_string(), route), until);
    }
}

fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_clients_are_told_the_remaining_wait() {
        let t = Throttle::default();
        let now = Instant::now();
        t.record("a", Route::Users, now + Duration::from_millis(1500));
        assert_eq!(t.too_early("a", Route::Users, now), Some(2));
        assert_eq!(t.too_early("b", Route::Users, now), None);
        assert_eq!(t.too_early("a", Route::Token, now), None);
        assert_eq!(
            t.too_early("a", Route::Users, now + Duration::from_secs(2)),
            None
        );
    }
}
