//! Connection slots, one budget per listener (`--max-connections` each, so
//! callers of the TCP address cannot starve those of the Unix socket).
//!
//! A connection holds a slot from its admission to its end, and is either
//! *serving* (its request head is complete and the answer is not yet given)
//! or *waiting* (for a request head: just connected, sending one slowly, or
//! idle between keep-alive requests). Loopback clients send a head at once,
//! so waiting costs the broker a slot but gives it no work: when a new
//! connection finds every slot taken, the connection that has been waiting
//! longest gives up its slot (it is closed), once it has waited
//! [`EVICTION_GRACE`]. A new connection waits only while every slot is
//! serving. So connections that never finish a head (a local user without
//! the secret, reconnecting as fast as they are closed) cannot keep
//! complete requests out: at worst each admission waits for one such
//! connection's grace.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a connection keeps its slot, waiting, before a new connection
/// may take it: long enough for a loopback client to send the head it sent at
/// once, short enough that connections holding slots without a head turn
/// over fast (at most `--max-connections` per grace).
pub const EVICTION_GRACE: Duration = Duration::from_millis(50);

/// The slots of one listener.
#[derive(Debug)]
pub struct Slots {
    /// The label in metrics: `tcp` or `unix`.
    listener: &'static str,
    limit: usize,
    live: Mutex<Live>,
    /// A slot was freed, or a connection started waiting.
    changed: Notify,
    /// A connection is accepted and waits for a slot.
    queued: AtomicBool,
    evicted: AtomicU64,
}

#[derive(Debug, Default)]
struct Live {
    next: u64,
    connections: HashMap<u64, Arc<Connection>>,
}

/// One admitted connection's state, shared by its task and the slots.
#[derive(Debug)]
pub struct Connection {
    state: Mutex<State>,
    evict: Notify,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// Waiting for a head since then; `None` while serving.
    waiting_since: Option<Instant>,
    /// It answered a request (so closing it may cut an answer being written).
    served: bool,
    /// It gave up its slot and is to close.
    evicted: bool,
}

/// What an evicted connection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// Nothing is being written: close now.
    Now,
    /// It answered before: close once the last answer is out.
    AfterTheAnswer,
}

impl Connection {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Its request head is complete: it serves (even if just evicted: the
    /// request is answered, then the connection closes).
    pub fn serving(&self) {
        self.state().waiting_since = None;
    }

    /// Its answer is given: it waits for the next head.
    pub fn answered(&self, slots: &Slots) {
        let mut state = self.state();
        state.waiting_since = Some(Instant::now());
        state.served = true;
        drop(state);
        slots.changed.notify_one();
    }

    /// Resolves when the connection has lost its slot.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }

    /// How an evicted connection closes.
    pub fn close(&self) -> Close {
        match *self.state() {
            State {
                waiting_since: Some(_),
                served: false,
                ..
            } => Close::Now,
            _ => Close::AfterTheAnswer,
        }
    }

    /// Whether it is waiting for a head (not serving).
    pub fn is_waiting(&self) -> bool {
        self.state().waiting_since.is_some()
    }
}

/// A slot, held by a connection's task; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    /// The connection's state.
    pub connection: Arc<Connection>,
}

impl Slot {
    /// The slots it belongs to.
    pub fn slots(&self) -> Arc<Slots> {
        self.slots.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Gone already when it was evicted.
        if self.slots.live().connections.remove(&self.id).is_some() {
            self.slots.changed.notify_one();
        }
    }
}

impl Slots {
    /// `limit` slots for the listener labelled `listener`.
    pub fn new(listener: &'static str, limit: usize) -> Arc<Slots> {
        Arc::new(Slots {
            listener,
            limit: limit.max(1),
            live: Mutex::new(Live::default()),
            changed: Notify::new(),
            queued: AtomicBool::new(false),
            evicted: AtomicU64::new(0),
        })
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for a connection just accepted: a free one, else the one of the
    /// connection waiting longest once it has waited [`EVICTION_GRACE`];
    /// while every slot is serving, waits for one to be freed.
    pub async fn admit(self: &Arc<Self>) -> Slot {
        loop {
            let retry_at = {
                let mut live = self.live();
                if live.connections.len() < self.limit {
                    return self.take(&mut live);
                }
                match oldest_waiting(&live) {
                    Some((id, since)) if since.elapsed() >= EVICTION_GRACE => {
                        if let Some(evicted) = live.connections.remove(&id) {
                            evicted.state().evicted = true;
                            evicted.evict.notify_one();
                            self.evicted.fetch_add(1, Relaxed);
                        }
                        return self.take(&mut live);
                    }
                    Some((_, since)) => Some(since + EVICTION_GRACE),
                    None => None,
                }
            };
            self.queued.store(true, Relaxed);
            match retry_at {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = self.changed.notified() => {}
                    }
                }
                None => self.changed.notified().await,
            }
        }
    }

    fn take(self: &Arc<Self>, live: &mut Live) -> Slot {
        self.queued.store(false, Relaxed);
        let id = live.next;
        live.next += 1;
        let connection = Arc::new(Connection {
            state: Mutex::new(State {
                waiting_since: Some(Instant::now()),
                served: false,
                evicted: false,
            }),
            evict: Notify::new(),
        });
        live.connections.insert(id, connection.clone());
        Slot {
            slots: self.clone(),
            id,
            connection,
        }
    }

    /// The gauges and the counter of these slots, in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let (waiting, serving) = {
            let live = self.live();
            let waiting = live.connections.values().filter(|c| c.is_waiting()).count();
            (waiting, live.connections.len() - waiting)
        };
        let listener = self.listener;
        let _ = writeln!(
            out,
            "entrad_serve_connections{{listener=\"{listener}\",state=\"waiting\"}} {waiting}\n\
             entrad_serve_connections{{listener=\"{listener}\",state=\"serving\"}} {serving}\n\
             entrad_serve_connections_queued{{listener=\"{listener}\"}} {}\n\
             entrad_serve_connections_evicted_total{{listener=\"{listener}\"}} {}",
            u8::from(self.queued.load(Relaxed)),
            self.evicted.load(Relaxed)
        );
    }
}

/// The metrics' `# HELP` and `# TYPE` lines, once before every listener's [`Slots::render`].
pub fn render_help(out: &mut String) {
    let _ = writeln!(
        out,
        "# HELP entrad_serve_connections Open connections, waiting for a request head or serving a request.\n\
         # TYPE entrad_serve_connections gauge\n\
         # HELP entrad_serve_connections_queued Connections accepted and waiting for a slot (every slot serving).\n\
         # TYPE entrad_serve_connections_queued gauge\n\
         # HELP entrad_serve_connections_evicted_total Connections waiting for a request head closed to make room for a new one.\n\
         # TYPE entrad_serve_connections_evicted_total counter"
    );
}

/// The connection waiting longest, and since when.
fn oldest_waiting(live: &Live) -> Option<(u64, Instant)> {
    live.connections
        .iter()
        .filter_map(|(id, c)| c.state().waiting_since.map(|since| (*id, since)))
        .min_by_key(|(_, since)| *since)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(slots: &Slots) -> String {
        let mut out = String::new();
        slots.render(&mut out);
        out
    }

    #[tokio::test]
    async fn the_longest_waiting_gives_way_after_its_grace_and_serving_ones_never() {
        let slots = Slots::new("tcp", 2);
        let first = slots.admit().await;
        let second = slots.admit().await;
        // Full, both waiting: the next admission takes the oldest's slot once its grace is over.
        let third = slots.admit().await;
        let first_waited = first.connection.state().waiting_since.unwrap().elapsed();
        assert!(first_waited >= EVICTION_GRACE, "{first_waited:?}");
        assert_eq!(first.connection.close(), Close::Now);
        assert!(!second.connection.state().evicted);
        let out = rendered(&slots);
        assert!(
            out.contains("entrad_serve_connections_evicted_total{listener=\"tcp\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("entrad_serve_connections{listener=\"tcp\",state=\"waiting\"} 2"),
            "{out}"
        );
        // The evicted one's end frees nothing more.
        drop(first);
        // Serving slots are never taken: the next admission waits for a change, with no timer.
        second.connection.serving();
        third.connection.serving();
        let mut fourth = Box::pin(slots.admit());
        assert!(futures_util::poll!(&mut fourth).is_pending());
        assert!(oldest_waiting(&slots.live()).is_none());
        let out = rendered(&slots);
        assert!(
            out.contains("entrad_serve_connections_queued{listener=\"tcp\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("entrad_serve_connections{listener=\"tcp\",state=\"serving\"} 2"),
            "{out}"
        );
        // An answer makes its connection waiting, hence evictable after its grace;
        // having answered, it closes only once its answer is out.
        second.connection.answered(&slots);
        let fourth = fourth.await;
        assert_eq!(second.connection.close(), Close::AfterTheAnswer);
        assert!(
            third.connection.state().waiting_since.is_none(),
            "a serving one was evicted"
        );
        // A slot freed is taken at once.
        drop(third);
        let fifth = slots.admit().await;
        let out = rendered(&slots);
        assert!(
            out.contains("entrad_serve_connections_evicted_total{listener=\"tcp\"} 2"),
            "{out}"
        );
        assert!(
            out.contains("entrad_serve_connections_queued{listener=\"tcp\"} 0"),
            "{out}"
        );
        drop((second, fourth, fifth));
        assert!(slots.live().connections.is_empty());
    }
}
