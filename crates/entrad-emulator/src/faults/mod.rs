//! Injected faults (throttling, 5xx, latency, dropped connections) and Graph-style
//! throttling of clients that retry too early.

mod guard;
mod registry;
mod spec;
mod throttle;
mod traffic;

pub(crate) use guard::{ConnectionKill, Guard, guard};
pub(crate) use registry::Faults;
pub use spec::{FaultKind, FaultSpec, FaultTrigger};
pub(crate) use throttle::Throttle;
pub(crate) use traffic::Traffic;
