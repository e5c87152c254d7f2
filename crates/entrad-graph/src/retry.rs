//! Which Graph answers are worth another attempt, and when.
//!
//! The numbers (attempts, total time, backoff) are entrad-auth's
//! [`RetryPolicy`]: one policy for the token service and Graph.

use std::time::{Duration, Instant, SystemTime};

use entrad_auth::RetryPolicy;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Graph's throttling and "busy" statuses; other errors do not go away by waiting.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// The `Retry-After` header, as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    RetryPolicy::parse_retry_after(value, SystemTime::now())
}

/// The attempts of one logical request.
pub(crate) struct Attempts {
    policy: RetryPolicy,
    started: Instant,
    made: u32,
}

impl Attempts {
    pub(crate) fn new(policy: RetryPolicy) -> Attempts {
        Attempts {
            policy,
            started: Instant::now(),
            made: 0,
        }
    }

    /// Counts an attempt about to be sent.
    pub(crate) fn begin(&mut self) {
        self.made += 1;
    }

    /// Attempts sent so far.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// How long to wait before the next attempt, or `None` to give up.
    pub(crate) fn next_delay(&self, retry_after: Option<Duration>) -> Option<Duration> {
        self.policy
            .next_delay(self.made, retry_after, self.started.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn only_throttling_and_busy_statuses_retry() {
        assert!([429, 503, 504].into_iter().all(is_retryable_status));
        assert!(
            ![400, 401, 403, 404, 500, 501]
                .into_iter()
                .any(is_retryable_status)
        );
    }

    #[test]
    fn reads_retry_after_and_bounds_attempts() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));

        let mut attempts = Attempts::new(RetryPolicy::default().with_max_attempts(2));
        attempts.begin();
        assert_eq!(
            attempts.next_delay(Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        attempts.begin();
        assert_eq!(attempts.made(), 2);
        assert_eq!(attempts.next_delay(None), None);
    }
}
