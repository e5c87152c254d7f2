//! The current time as the MSAL cache stores it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch; 0 for a clock set before 1970.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Epoch seconds as a `SystemTime`; times past what the platform can hold
/// (none a token can have: see `token_body`) are the latest it can.
pub(crate) fn system_time(secs: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .or_else(|| UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64)))
        .unwrap_or(UNIX_EPOCH)
}
