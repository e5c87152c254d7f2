//! Entry points for the fuzz targets in the repository's `fuzz/` directory and
//! for the stable regression tests that replay their corpus.
//!
//! **Not a stable API**: hidden from the documentation, it changes with the
//! parsers it reaches. Each function takes untrusted bytes as a server could
//! send them, and panics only when an invariant of the parser breaks.

use std::time::{Duration, SystemTime};

use crate::retry::{RetryPolicy, parse_retry_after};

/// A `Retry-After` value (seconds or an HTTP date) and the delay it leads to.
///
/// Invariant: whole seconds are taken as they are.
pub fn retry_after(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let delay = parse_retry_after(value, now);
    if let Ok(seconds) = value.trim().parse::<u64>() {
        assert_eq!(delay, Some(Duration::from_secs(seconds)));
    }
    let _ = RetryPolicy::default().next_delay(1, delay, Duration::ZERO);
}
