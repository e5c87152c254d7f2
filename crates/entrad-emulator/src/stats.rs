//! Request counts per route, for `GET /_emulator/stats`.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::route::Route;

/// Counters, updated without locks.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: [AtomicU64; Route::ALL.len()],
    throttled: AtomicU64,
    faults: AtomicU64,
}

impl Stats {
    pub(crate) fn count(&self, route: Route) {
        self.requests[route.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// A client was throttled for retrying before its `Retry-After`.
    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// An injected fault replaced an answer.
    pub(crate) fn fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn reset(&self) {
        for counter in self.requests.iter().chain([&self.throttled, &self.faults]) {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// `{"requests":{"token":N,...},"total":N,"throttled":N,"faults":N}`.
    pub(crate) fn snapshot(&self) -> serde_json::Value {
        let mut requests = serde_json::Map::new();
        let mut total = 0;
        for route in Route::ALL {
            let n = self.requests[route.index()].load(Ordering::Relaxed);
            total += n;
            requests.insert(route.name().into(), n.into());
        }
        serde_json::json!({
            "requests": requests,
            "total": total,
            "throttled": self.throttled.load(Ordering::Relaxed),
            "faults": self.faults.load(Ordering::Relaxed),
        })
    }
}
