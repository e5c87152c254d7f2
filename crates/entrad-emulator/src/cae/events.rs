//! The events continuous access evaluation acts on, as the admin API records them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// What happened. The first two are revocation events of one app's service
/// principal; the policy changes concern the apps they name, or every app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EventKind {
    /// An admin disabled the service principal: new tokens get AADSTS7000112.
    ServicePrincipalDisabled,
    /// An admin deleted the service principal: new tokens get AADSTS7000229.
    ServicePrincipalDeleted,
    /// A location conditional access policy changed.
    LocationPolicyChanged,
    /// A risk conditional access policy changed (or risk was detected).
    RiskPolicyChanged,
}

impl EventKind {
    /// The code Graph names in its claims challenge's message.
    pub(crate) fn graph_code(self) -> &'static str {
        match self {
            EventKind::ServicePrincipalDisabled | EventKind::ServicePrincipalDeleted => {
                "TokenIssuedBeforeRevocationTimestamp"
            }
            EventKind::LocationPolicyChanged | EventKind::RiskPolicyChanged => {
                "TokenCreatedWithOutdatedPolicies"
            }
        }
    }
}

/// One recorded event.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Event {
    pub(crate) kind: EventKind,
    /// The app it concerns; `None` for a policy change that applies to every app.
    pub(crate) client_id: Option<String>,
    /// Unix time of the event: CAE tokens issued before it are challenged.
    pub(crate) time: i64,
}

/// Every event recorded, and the disabled service principals.
#[derive(Debug, Default)]
pub(crate) struct Events {
    inner: Mutex<Inner>,
    /// Graph's claims challenges sent.
    challenged: AtomicU64,
    /// Token requests that carried a claims challenge's `access_token.nbf`.
    answered: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    events: Vec<Event>,
    disabled: Vec<String>,
}

impl Events {
    /// Records `event`; a disabling also disables the app's service principal.
    pub(crate) fn record(&self, event: Event) {
        let mut inner = self.lock();
        if event.kind == EventKind::ServicePrincipalDisabled
            && let Some(client_id) = &event.client_id
            && !inner.disabled.contains(client_id)
        {
            inner.disabled.push(client_id.clone());
        }
        inner.events.push(event);
    }

    /// Enables the app's service principal again (not an event: tokens issued
    /// while it was disabled stay challenged).
    pub(crate) fn enable(&self, client_id: &str) {
        self.lock().disabled.retain(|c| c != client_id);
    }

    /// Whether the app's service principal is disabled.
    pub(crate) fn is_disabled(&self, client_id: &str) -> bool {
        self.lock().disabled.iter().any(|c| c == client_id)
    }

    /// The latest event concerning `appid` that came after `issued`, if any.
    pub(crate) fn latest_after(&self, appid: &str, issued: i64) -> Option<Event> {
        self.lock()
            .events
            .iter()
            .filter(|e| e.time > issued && e.client_id.as_deref().is_none_or(|c| c == appid))
            .max_by_key(|e| e.time)
            .cloned()
    }

    /// Counts a claims challenge Graph sent.
    pub(crate) fn challenged(&self) {
        self.challenged.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a token request answering a claims challenge.
    pub(crate) fn answered(&self) {
        self.answered.fetch_add(1, Ordering::Relaxed);
    }

    /// Claims challenges sent, and token requests that answered one.
    pub(crate) fn challenges(&self) -> (u64, u64) {
        (
            self.challenged.load(Ordering::Relaxed),
            self.answered.load(Ordering::Relaxed),
        )
    }

    /// Every event, oldest first.
    pub(crate) fn all(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    // Every change is one push or removal: a poisoned lock is still consistent.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, client_id: Option<&str>, time: i64) -> Event {
        Event {
            kind,
            client_id: client_id.map(String::from),
            time,
        }
    }

    #[test]
    fn tokens_issued_before_an_event_of_their_app_are_caught() {
        let events = Events::default();
        events.record(event(EventKind::ServicePrincipalDisabled, Some("a"), 100));
        assert!(events.is_disabled("a"));
        assert!(!events.is_disabled("b"));
        assert_eq!(events.latest_after("a", 99).unwrap().time, 100);
        assert!(
            events.latest_after("a", 100).is_none(),
            "issued in the event's second"
        );
        assert!(events.latest_after("b", 0).is_none(), "another app's event");
        events.record(event(EventKind::RiskPolicyChanged, None, 150));
        assert_eq!(
            events.latest_after("b", 0).unwrap().kind,
            EventKind::RiskPolicyChanged
        );
        assert_eq!(events.latest_after("a", 0).unwrap().time, 150);
        events.enable("a");
        assert!(!events.is_disabled("a"));
        assert_eq!(events.all().len(), 2);
    }
}
