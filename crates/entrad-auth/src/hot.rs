//! The client's own copy of its last token per scope set, checked before the
//! store: a hit takes a read lock, compares the scopes in place and copies a
//! pointer, where the store would build a key, look it up and copy the secret.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::AccessToken;
use crate::cache::CacheKey;
use crate::refresh::{self, Freshness};

/// Scope sets kept at most: a client asks for one or two, so this only stops
/// a caller cycling through many from growing the copy without bound.
const MAX_SCOPE_SETS: usize = 16;

/// The last token per scope set. Served by the rules the store path uses
/// (nothing inside the expiry margin; past `refresh_on` the caller refreshes).
#[derive(Default)]
pub(crate) struct HotTokens {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    /// Moves on at every `forget`, so that a token read from the store (or
    /// requested) before it cannot be kept after it.
    epoch: u64,
    entries: Vec<Entry>,
}

struct Entry {
    key: CacheKey,
    /// The scope set of `key.target`: sorted, without duplicates.
    scopes: Vec<String>,
    /// The token as a hit hands it out: from the cache, no request id.
    token: AccessToken,
    times: Times,
}

/// A token's times, epoch seconds, as the store has them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    /// When it was obtained.
    pub(crate) cached_at: u64,
    /// When it expires.
    pub(crate) expires_on: u64,
    /// When a proactive refresh is due.
    pub(crate) refresh_on: Option<u64>,
}

impl Times {
    fn freshness(&self, now: u64) -> Freshness {
        refresh::freshness_of(self.expires_on, self.refresh_on, now)
    }
}

/// A token served from the copy.
pub(crate) struct Hit {
    /// The token to hand out.
    pub(crate) token: AccessToken,
    /// Its key when it is due for a refresh, which the caller starts.
    pub(crate) refresh_due: Option<CacheKey>,
}

impl HotTokens {
    /// The token kept for the scope set of `scopes` (order and repeats do not
    /// matter), unless it is inside the expiry margin at `now`.
    ///
    /// Only scopes that passed the client's check are ever kept, so scopes
    /// that match them need no check of their own.
    pub(crate) fn get(&self, scopes: &[&str], now: u64) -> Option<Hit> {
        let state = self.read();
        let entry = state.entries.iter().find(|e| e.matches(scopes))?;
        let refresh_due = match entry.times.freshness(now) {
            Freshness::Fresh => None,
            Freshness::RefreshDue => Some(entry.key.clone()),
            Freshness::Spent => return None,
        };
        Some(Hit {
            token: entry.token.clone(),
            refresh_due,
        })
    }

    /// Taken before reading the store or requesting a token, and handed to
    /// [`HotTokens::fill`] with the result.
    pub(crate) fn epoch(&self) -> u64 {
        self.read().epoch
    }

    /// Keeps `token` for `key`'s scope set, unless a `forget` came after
    /// `epoch`, the token is already inside the expiry margin, or the copy
    /// holds a newer servable one (a slow store read must not undo a refresh).
    pub(crate) fn fill(
        &self,
        epoch: u64,
        key: &CacheKey,
        token: &AccessToken,
        times: Times,
        now: u64,
    ) {
        if times.freshness(now) == Freshness::Spent {
            return;
        }
        let mut state = self.write();
        if state.epoch != epoch {
            return;
        }
        let token = AccessToken {
            bearer: token.bearer.clone(),
            expires_on: token.expires_on,
            refresh_on: token.refresh_on,
            from_cache: true,
            client_request_id: None,
        };
        if let Some(entry) = state.entries.iter_mut().find(|e| e.key == *key) {
            let newer = (times.cached_at, times.expires_on)
                >= (entry.times.cached_at, entry.times.expires_on);
            if newer || entry.times.freshness(now) == Freshness::Spent {
                entry.token = token;
                entry.times = times;
            }
            return;
        }
        if state.entries.len() >= MAX_SCOPE_SETS
            && let Some(first_to_expire) = state
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.times.expires_on)
                .map(|(i, _)| i)
        {
            state.entries.swap_remove(first_to_expire);
        }
        state.entries.push(Entry {
            key: key.clone(),
            scopes: key.target.split(' ').map(str::to_string).collect(),
            token,
            times,
        });
    }

    /// Drops the token kept for `key`, and refuses fills that started before.
    pub(crate) fn forget(&self, key: &CacheKey) {
        let mut state = self.write();
        state.epoch = state.epoch.wrapping_add(1);
        state.entries.retain(|e| e.key != *key);
    }

    // Every change is one assignment, push or removal: a panic elsewhere
    // cannot leave the state half written, so a poisoned lock is still sound.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Entry {
    /// Same scope set, compared in place (no key, no allocation).
    fn matches(&self, scopes: &[&str]) -> bool {
        scopes
            .iter()
            .all(|s| self.scopes.iter().any(|own| own == s))
            && self.scopes.iter().all(|own| scopes.contains(&own.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use secrecy::SecretString;

    use super::*;
    use crate::cache::fixtures;
    use crate::token::Bearer;

    const NOW: u64 = 1_000_000;

    fn times(expires_in: u64, refresh_in: Option<u64>) -> Times {
        Times {
            cached_at: NOW,
            expires_on: NOW + expires_in,
            refresh_on: refresh_in.map(|r| NOW + r),
        }
    }

    fn token(secret: &str, times: Times) -> AccessToken {
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        AccessToken {
            bearer: Arc::new(Bearer {
                secret: SecretString::from(secret),
                token_type: "Bearer".into(),
                credential: None,
            }),
            expires_on: at(times.expires_on),
            refresh_on: times.refresh_on.map(at),
            from_cache: false,
            client_request_id: Some("request".into()),
        }
    }

    fn keep(hot: &HotTokens, target: &str, secret: &str, times: Times) {
        let epoch = hot.epoch();
        hot.fill(
            epoch,
            &fixtures::key(target),
            &token(secret, times),
            times,
            NOW,
        );
    }

    fn secret(hot: &HotTokens, scopes: &[&str], now: u64) -> Option<String> {
        hot.get(scopes, now)
            .map(|hit| hit.token.secret().to_string())
    }

    #[test]
    fn serves_the_same_scope_set_in_any_order_as_a_cached_token() {
        let hot = HotTokens::default();
        keep(&hot, "a b", "ab", times(3600, None));
        let hit = hot.get(&["b", "a", "b"], NOW).unwrap();
        assert_eq!(hit.token.secret(), "ab");
        assert!(hit.token.from_cache());
        assert_eq!(hit.token.client_request_id(), None);
        assert!(hit.refresh_due.is_none());
        for other in [&["a"][..], &["a", "b", "c"], &["a b"], &[]] {
            assert!(hot.get(other, NOW).is_none(), "{other:?}");
        }
    }

    #[test]
    fn nothing_inside_the_expiry_margin_is_served_or_kept() {
        let hot = HotTokens::default();
        keep(&hot, "a", "a", times(3600, None));
        assert!(hot.get(&["a"], NOW + 3600 - 301).is_some());
        assert!(hot.get(&["a"], NOW + 3600 - 300).is_none());
        keep(&hot, "b", "b", times(300, None));
        assert!(hot.get(&["b"], NOW).is_none());
    }

    #[test]
    fn past_refresh_on_it_serves_and_asks_for_a_refresh() {
        let hot = HotTokens::default();
        keep(&hot, "a", "a", times(3600, Some(60)));
        assert!(hot.get(&["a"], NOW + 59).unwrap().refresh_due.is_none());
        let hit = hot.get(&["a"], NOW + 60).unwrap();
        assert_eq!(hit.token.secret(), "a");
        assert_eq!(hit.refresh_due, Some(fixtures::key("a")));
    }

    #[test]
    fn forget_drops_the_token_and_fills_that_started_before() {
        let hot = HotTokens::default();
        keep(&hot, "a", "a", times(3600, None));
        keep(&hot, "b", "b", times(3600, None));
        let before = hot.epoch();
        hot.forget(&fixtures::key("a"));
        assert!(hot.get(&["a"], NOW).is_none());
        assert_eq!(secret(&hot, &["b"], NOW).as_deref(), Some("b"));
        let stale = times(3600, None);
        hot.fill(
            before,
            &fixtures::key("a"),
            &token("stale", stale),
            stale,
            NOW,
        );
        assert!(hot.get(&["a"], NOW).is_none());
        keep(&hot, "a", "new", times(3600, None));
        assert_eq!(secret(&hot, &["a"], NOW).as_deref(), Some("new"));
    }

    #[test]
    fn an_older_token_does_not_replace_a_newer_one() {
        let hot = HotTokens::default();
        keep(&hot, "a", "new", times(3600, None));
        let old = Times {
            cached_at: NOW - 1800,
            ..times(1800, None)
        };
        keep(&hot, "a", "old", old);
        assert_eq!(secret(&hot, &["a"], NOW).as_deref(), Some("new"));
        keep(&hot, "a", "newer", times(3601, None));
        assert_eq!(secret(&hot, &["a"], NOW).as_deref(), Some("newer"));
        // Once the kept one is spent, any servable token replaces it.
        let late = NOW + 3400;
        let later = Times {
            cached_at: NOW - 1,
            expires_on: late + 3600,
            refresh_on: None,
        };
        let epoch = hot.epoch();
        hot.fill(
            epoch,
            &fixtures::key("a"),
            &token("late", later),
            later,
            late,
        );
        assert_eq!(secret(&hot, &["a"], late).as_deref(), Some("late"));
    }

    #[test]
    fn the_number_of_scope_sets_is_bounded() {
        let hot = HotTokens::default();
        for i in 0..(MAX_SCOPE_SETS as u64 + 4) {
            let target = format!("s{i}");
            keep(&hot, &target, &target, times(3600 + i, None));
        }
        assert_eq!(hot.read().entries.len(), MAX_SCOPE_SETS);
        assert!(hot.get(&["s0"], NOW).is_none(), "the first to expire went");
        let last = format!("s{}", MAX_SCOPE_SETS + 3);
        assert!(hot.get(&[last.as_str()], NOW).is_some());
    }
}
