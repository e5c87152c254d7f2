//! An ordered list of credentials for rotation without downtime, after
//! Microsoft.Identity.Web's `ClientCredentials` (credential descriptions): the
//! one that worked last is tried first; a refusal that means "this credential
//! is no longer valid" moves on to the next, which is then remembered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use crate::{Error, Result};

/// AADSTS codes meaning the credential itself is no longer accepted: an
/// expired secret (7000222), an unknown or invalid certificate or signature
/// (700027), a wrong (e.g. deleted) secret (7000215).
pub const CREDENTIAL_NO_LONGER_VALID: [u32; 3] = [7_000_222, 700_027, 7_000_215];

/// What the list needs of a credential: whether it is a certificate whose end
/// is past at `now`. A trait so that this file needs nothing else of
/// [`Credential`](super::Credential), which holds a list in turn.
pub(crate) trait Expiring {
    fn expired_at(&self, now: SystemTime) -> bool;
}

/// The credentials, and the index of the one that worked last.
pub(crate) struct CredentialList<C> {
    pub(crate) entries: Vec<C>,
    current: AtomicUsize,
}

impl<C: Expiring> CredentialList<C> {
    pub(crate) fn new(entries: Vec<C>) -> Result<CredentialList<C>> {
        if entries.is_empty() {
            return Err(Error::Config(
                "the credential list is empty: give at least one credential".into(),
            ));
        }
        Ok(CredentialList {
            entries,
            current: AtomicUsize::new(0),
        })
    }

    /// Indexes in the order to try: the one that worked last, then the ones
    /// after it, wrapping around. Certificates already expired at `now` go
    /// last, so that a later, valid credential is tried before them.
    pub(crate) fn order(&self, now: SystemTime) -> Vec<usize> {
        let start = self.current.load(Ordering::Relaxed);
        let n = self.entries.len();
        let mut order: Vec<usize> = (0..n).map(|i| (start + i) % n).collect();
        order.sort_by_key(|&i| self.entries[i].expired_at(now));
        order
    }

    /// Remembers the credential at `index` as the one that works.
    pub(crate) fn worked(&self, index: usize) {
        let before = self.current.swap(index, Ordering::Relaxed);
        if before != index {
            tracing::info!(
                credential = index,
                previous = before,
                "now using credential {index} of the list"
            );
        }
    }
}

/// Whether `error` is the token service refusing the credential as no longer
/// valid, so that the next one of a list is worth a try.
pub(crate) fn no_longer_valid(error: &Error) -> bool {
    match error {
        Error::Service { error, .. } => error
            .error_codes
            .iter()
            .any(|c| CREDENTIAL_NO_LONGER_VALID.contains(c)),
        _ => false,
    }
}

/// Runs `attempt` with the index of each credential of `list` in turn, as long as they are
/// refused as no longer valid (or, locally, expired); remembers the one that
/// succeeds. The last failure is returned.
pub(crate) async fn try_in_turn<C, T, F, Fut>(list: &CredentialList<C>, mut attempt: F) -> Result<T>
where
    C: Expiring,
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let order = list.order(SystemTime::now());
    let mut last_error = None;
    for index in order {
        match attempt(index).await {
            Ok(value) => {
                list.worked(index);
                return Ok(value);
            }
            Err(e) if no_longer_valid(&e) || list.entries[index].expired_at(SystemTime::now()) => {
                tracing::warn!(credential = index, error = %e, "credential {index} of the list is no longer valid; trying the next");
                last_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::Config("the credential list is empty".into())))
}
