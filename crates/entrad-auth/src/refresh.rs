//! When a cached token is still good, due for a proactive refresh, or spent.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::cache::{CacheKey, CachedToken};

/// A token expiring within this margin counts as a miss: it could expire in
/// flight, or on a server whose clock is ahead.
pub(crate) const EXPIRY_MARGIN_SECS: u64 = 300;

/// MSAL's rule: tokens living 2 h or more get a refresh at half-life even when
/// the service sends no `refresh_in`.
const HALF_LIFE_THRESHOLD_SECS: u64 = 7200;

/// After a failed background refresh, the cached token is served without
/// another attempt for this long, so a hot caller cannot hammer a failing service.
const FAILED_REFRESH_PAUSE: Duration = Duration::from_secs(30);

/// The state of a cached token at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Serve it.
    Fresh,
    /// Serve it, and refresh it in the background.
    RefreshDue,
    /// Do not serve it.
    Spent,
}

pub(crate) fn freshness(token: &CachedToken, now: u64) -> Freshness {
    freshness_of(token.expires_on, token.refresh_on, now)
}

/// [`freshness`] from a token's times alone (epoch seconds).
pub(crate) fn freshness_of(expires_on: u64, refresh_on: Option<u64>, now: u64) -> Freshness {
    if expires_on <= now.saturating_add(EXPIRY_MARGIN_SECS) {
        Freshness::Spent
    } else if refresh_on.is_some_and(|at| now >= at) {
        Freshness::RefreshDue
    } else {
        Freshness::Fresh
    }
}

/// `refresh_on` for a token received at `now`: from the service's `refresh_in`,
/// else at half-life for long-lived tokens.
pub(crate) fn refresh_on(now: u64, expires_in: u64, refresh_in: Option<u64>) -> Option<u64> {
    match refresh_in {
        Some(seconds) => Some(now.saturating_add(seconds)),
        None if expires_in >= HALF_LIFE_THRESHOLD_SECS => Some(now.saturating_add(expires_in / 2)),
        None => None,
    }
}

/// Remembers failed background refreshes per key.
#[derive(Default)]
pub(crate) struct RefreshPause {
    failed_at: Mutex<HashMap<CacheKey, Instant>>,
}

impl RefreshPause {
    pub(crate) fn allows(&self, key: &CacheKey) -> bool {
        let map = self
            .failed_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .is_none_or(|at| at.elapsed() >= FAILED_REFRESH_PAUSE)
    }

    pub(crate) fn failed(&self, key: &CacheKey) {
        let mut map = self
            .failed_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.insert(key.clone(), Instant::now());
    }

    pub(crate) fn succeeded(&self, key: &CacheKey) {
        let mut map = self
            .failed_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::fixtures;

    fn token(expires_on: u64, refresh_on: Option<u64>) -> CachedToken {
        CachedToken {
            expires_on,
            extended_expires_on: expires_on,
            refresh_on,
            ..fixtures::token("t")
        }
    }

    #[test]
    fn margin_and_refresh() {
        let now = 10_000;
        assert_eq!(freshness(&token(now + 3600, None), now), Freshness::Fresh);
        assert_eq!(freshness(&token(now + 301, None), now), Freshness::Fresh);
        assert_eq!(freshness(&token(now + 300, None), now), Freshness::Spent);
        assert_eq!(freshness(&token(now - 1, None), now), Freshness::Spent);
        assert_eq!(
            freshness(&token(now + 3600, Some(now)), now),
            Freshness::RefreshDue
        );
        assert_eq!(
            freshness(&token(now + 3600, Some(now + 1)), now),
            Freshness::Fresh
        );
        assert_eq!(
            freshness(&token(now + 100, Some(now)), now),
            Freshness::Spent
        );
    }

    #[test]
    fn refresh_on_rules() {
        assert_eq!(refresh_on(100, 3599, Some(60)), Some(160));
        assert_eq!(refresh_on(100, 3599, None), None);
        assert_eq!(refresh_on(100, 7200, None), Some(3700));
        assert_eq!(refresh_on(100, 86400, None), Some(43300));
    }

    #[test]
    fn pause_after_failure() {
        let key = fixtures::key("t");
        let pause = RefreshPause::default();
        assert!(pause.allows(&key));
        pause.failed(&key);
        assert!(!pause.allows(&key));
        pause.succeeded(&key);
        assert!(pause.allows(&key));
    }
}
