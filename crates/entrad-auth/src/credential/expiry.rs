//! Certificates near or past their end: one warning per certificate and
//! process within [`EXPIRY_WARNING`] of it, and a clear error once past it,
//! before any request is sent.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::certificate::{SigningCertificate, Thumbprint};
use crate::{Error, Result};

/// How long before its end a certificate in use is warned about: 30 days.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(30 * 86_400);

/// Fails for an expired certificate; warns (once per thumbprint and process)
/// for one that expires within [`EXPIRY_WARNING`] of `now`.
pub(crate) fn check(cert: &SigningCertificate, now: SystemTime) -> Result<()> {
    let Some(not_after) = cert.not_after else {
        return Ok(());
    };
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let name = match &cert.thumbprint {
        Thumbprint::Sha256(t) => format!("x5t#S256 {t}"),
        Thumbprint::Sha1(t) => format!("x5t {t}"),
    };
    let date = date(not_after);
    if now >= not_after {
        return Err(Error::Credential(format!(
            "the certificate ({name}) expired on {date}: register a new certificate on the app and use it"
        )));
    }
    let left = Duration::from_secs((not_after - now) as u64);
    if left <= EXPIRY_WARNING && first_warning(&name) {
        tracing::warn!(
            certificate = %name,
            not_after = %date,
            days_left = left.as_secs() / 86_400,
            "the certificate expires within 30 days: register its successor on the app and rotate"
        );
    }
    Ok(())
}

/// True the first time `name` is seen by this process.
fn first_warning(name: &str) -> bool {
    static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    WARNED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(name.to_string())
}

/// Whether the certificate's end is past at `now`.
pub(crate) fn expired(cert: &SigningCertificate, now: SystemTime) -> bool {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    cert.not_after.is_some_and(|not_after| now >= not_after)
}

/// `YYYY-MM-DD` (UTC) of Unix seconds.
fn date(unix: i64) -> String {
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_798_675_200), "2026-12-31");
    }
}
