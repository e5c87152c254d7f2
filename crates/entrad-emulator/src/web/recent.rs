//! The most recent requests to the token service and Graph, for the portal's live
//! view: a ring buffer fed by the guard in front of every served route.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// Requests kept.
const CAPACITY: usize = 200;

/// One served request.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Served {
    /// Increases by one per request: the live view asks for those after the last it has.
    pub(crate) seq: u64,
    /// `HH:MM:SS.mmm` UTC.
    pub(crate) time: String,
    pub(crate) method: String,
    /// The path without the query (which can carry filters with personal data).
    pub(crate) path: String,
    pub(crate) route: &'static str,
    pub(crate) status: u16,
    pub(crate) latency_ms: f64,
}

#[derive(Debug, Default)]
struct Ring {
    items: VecDeque<Served>,
    next: u64,
}

/// The ring buffer.
#[derive(Debug, Default)]
pub(crate) struct Recent {
    ring: Mutex<Ring>,
}

impl Recent {
    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a request that was answered.
    pub(crate) fn record(
        &self,
        method: &str,
        path: &str,
        route: &'static str,
        status: u16,
        latency: Duration,
    ) {
        let now = time::OffsetDateTime::now_utc();
        let time = format!(
            "{:02}:{:02}:{:02}.{:03}",
            now.hour(),
            now.minute(),
            now.second(),
            now.millisecond()
        );
        let mut ring = self.lock();
        ring.next += 1;
        let seq = ring.next;
        if ring.items.len() == CAPACITY {
            ring.items.pop_front();
        }
        ring.items.push_back(Served {
            seq,
            time,
            method: method.to_string(),
            path: path.to_string(),
            route,
            status,
            latency_ms: (latency.as_secs_f64() * 10_000.0).round() / 10.0,
        });
    }

    /// The requests after `after` (all kept for 0), newest first.
    pub(crate) fn after(&self, after: u64) -> Vec<Served> {
        self.lock()
            .items
            .iter()
            .rev()
            .take_while(|s| s.seq > after)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_latest_and_answers_newest_first() {
        let recent = Recent::default();
        for i in 0..CAPACITY + 5 {
            recent.record(
                "GET",
                &format!("/{i}"),
                "users",
                200,
                Duration::from_millis(1),
            );
        }
        let all = recent.after(0);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].path, format!("/{}", CAPACITY + 4));
        assert_eq!(recent.after(all[1].seq).len(), 1);
    }
}
