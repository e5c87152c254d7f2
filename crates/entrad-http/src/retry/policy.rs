//! [`RetryPolicy`]: how many attempts, within how long, with which backoff.

use std::time::Duration;

use rand::Rng as _;

/// Bounded retries of transient failures (the statuses of a [`StatusSet`](crate::StatusSet):
/// HTTP 429, 500, 502, 503, 504 from the token service; 429, 503, 504 from
/// Graph; timeouts, refused or dropped connections), honouring `Retry-After`.
///
/// Bounded twice: by the number of attempts and by the total time spent,
/// waits included. A `Retry-After` that would cross the time bound ends the
/// retries at once instead of sleeping in vain.
///
/// ```
/// use std::time::Duration;
/// use entrad_http::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(3)
///     .with_max_elapsed(Duration::from_secs(20));
/// assert_eq!(policy.max_attempts(), 3);
/// // The server's Retry-After wins over the backoff.
/// let wait = policy.next_delay(1, Some(Duration::from_secs(2)), Duration::ZERO);
/// assert_eq!(wait, Some(Duration::from_secs(2)));
/// // After the last attempt there is no next one.
/// assert_eq!(policy.next_delay(3, None, Duration::ZERO), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_elapsed: Duration,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts within 60 s; backoff from 500 ms doubling up to 10 s.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(60),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn none() -> RetryPolicy {
        RetryPolicy::default().with_max_attempts(1)
    }

    /// Total attempts, the first one included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Bound on the time from the first attempt to the start of the last one.
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> RetryPolicy {
        self.max_elapsed = elapsed;
        self
    }

    /// The first backoff delay (doubled after each attempt, with jitter) when
    /// the server gives no `Retry-After`.
    pub fn with_base_delay(mut self, delay: Duration) -> RetryPolicy {
        self.base_delay = delay;
        self
    }

    /// Cap on a backoff delay (a server's `Retry-After` is not capped, only
    /// bounded by `max_elapsed`).
    pub fn with_max_delay(mut self, delay: Duration) -> RetryPolicy {
        self.max_delay = delay;
        self
    }

    /// Total attempts, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Bound on the total time spent retrying.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The first backoff delay.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// Cap on a backoff delay.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// How long to wait before the next attempt, or `None` to give up.
    ///
    /// `attempts_made` counts attempts so far (1 after the first failure),
    /// `retry_after` is the server's wish if any, `elapsed` the time since the
    /// first attempt began.
    pub fn next_delay(
        &self,
        attempts_made: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempts_made));
        (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so
    /// that clients failing together do not retry together.
    fn backoff(&self, attempts_made: u32) -> Duration {
        let exponent = attempts_made.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if jitter_nanos == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_nanos)
        };
        half + Duration::from_nanos(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounded_by_attempts_and_time() {
        let p = RetryPolicy::default()
            .with_max_attempts(3)
            .with_max_elapsed(Duration::from_secs(5));
        assert!(p.next_delay(1, None, Duration::ZERO).is_some());
        assert!(p.next_delay(2, None, Duration::ZERO).is_some());
        assert!(p.next_delay(3, None, Duration::ZERO).is_none());
        assert!(
            p.next_delay(1, Some(Duration::from_secs(6)), Duration::ZERO)
                .is_none()
        );
        assert!(
            p.next_delay(1, Some(Duration::from_secs(2)), Duration::from_secs(4))
                .is_none()
        );
        assert!(
            RetryPolicy::none()
                .next_delay(1, None, Duration::ZERO)
                .is_none()
        );
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    proptest! {
        #[test]
        fn backoff_stays_within_half_and_cap(attempt in 1u32..40, base_ms in 0u64..5_000, cap_ms in 0u64..60_000) {
            let p = RetryPolicy::default()
                .with_max_attempts(u32::MAX)
                .with_max_elapsed(Duration::MAX)
                .with_base_delay(Duration::from_millis(base_ms))
                .with_max_delay(Duration::from_millis(cap_ms));
            let d = p.next_delay(attempt, None, Duration::ZERO).unwrap();
            let full = Duration::from_millis(base_ms).saturating_mul(1u32 << (attempt - 1).min(16)).min(Duration::from_millis(cap_ms));
            prop_assert!(d <= full);
            prop_assert!(d >= full / 2);
        }
    }
}
