//! The current time in the forms the services print it.

use time::OffsetDateTime;
use time::macros::format_description;

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The token service's timestamp: `2024-05-01 10:00:00Z`.
pub(crate) fn ests_timestamp() -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// Graph's `innerError.date`: `2024-04-24T12:48:07`.
pub(crate) fn graph_date() -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// A Unix time as `2024-05-01T10:00:00.0000000Z` (assertion time-range messages).
pub(crate) fn iso(unix: f64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp(unix as i64)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}
