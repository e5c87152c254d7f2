//! The one retry loop: the token service, the managed identity endpoints and
//! Graph all go through it.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::RetryPolicy;

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt<T, F> {
    /// The end: a success, or a failure no retry fixes (the caller's `T` says which).
    Done(T),
    /// A failure waiting may fix: another attempt follows after the server's
    /// `retry_after`, else the policy's backoff, unless the policy gives up.
    Transient {
        /// What failed, handed back if it was the last attempt.
        failure: F,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// A failure that ends the retries at once, reported as the last one.
    Fatal(F),
}

/// The retries ended without [`Attempt::Done`]: the last failure, and the attempts made.
#[derive(Debug)]
pub struct Failed<F> {
    /// The last attempt's failure.
    pub failure: F,
    /// Attempts made, the first included.
    pub attempts: u32,
}

/// Runs `attempt` until it is [`Attempt::Done`] or [`Attempt::Fatal`], or
/// `policy` gives up on its transient failures, sleeping between attempts and
/// adding each repeated attempt to `retries` (a client's count, for reports).
/// `what` names the request in logs.
pub async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, Failed<F>>
where
    F: fmt::Display,
    Fut: Future<Output = Attempt<T, F>>,
{
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let (failure, retry_after) = match attempt().await {
            Attempt::Done(outcome) => return Ok(outcome),
            Attempt::Transient {
                failure,
                retry_after,
            } => (failure, retry_after),
            // The failure goes back to the caller, who reports it: at the default
            // log level it is said once, there (`-v` shows it here too).
            Attempt::Fatal(failure) => {
                tracing::info!(request = what, attempts, error = %failure, "request failed");
                return Err(Failed { failure, attempts });
            }
        };
        let Some(delay) = policy.next_delay(attempts, retry_after, started.elapsed()) else {
            tracing::info!(request = what, attempts, error = %failure, "still failing, giving up");
            return Err(Failed { failure, attempts });
        };
        tracing::info!(
            request = what,
            attempt = attempts,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            error = %failure,
            "request failed, retrying"
        );
        retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(delay).await;
    }
}

/// The `Retry-After` header of a response, as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// A `Retry-After` value: delay seconds or an HTTP date (relative to `now`).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).ok())
            .flatten();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn quick(attempts: u32) -> RetryPolicy {
        RetryPolicy::default()
            .with_max_attempts(attempts)
            .with_base_delay(Duration::from_millis(1))
            .with_max_delay(Duration::from_millis(2))
    }

    /// An attempt of the tests: the attempt's index in, what it came to out.
    type Step = fn(u32) -> Attempt<u32, &'static str>;

    /// Runs `outcomes` in turn (the last one repeats); the result and the attempts
    /// made, after checking that every attempt but the first was counted as a retry.
    async fn run_through(
        policy: RetryPolicy,
        outcomes: &[Step],
    ) -> (Result<u32, Failed<&'static str>>, u32) {
        let calls = AtomicU32::new(0);
        let retries = AtomicU64::new(0);
        let result = run(&policy, &retries, "test", || async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            outcomes[(n as usize).min(outcomes.len() - 1)](n)
        })
        .await;
        let calls = calls.load(Ordering::SeqCst);
        assert_eq!(retries.load(Ordering::SeqCst), u64::from(calls - 1));
        (result, calls)
    }

    #[tokio::test]
    async fn retries_transient_failures_until_done() {
        let busy = |_| Attempt::Transient {
            failure: "busy",
            retry_after: None,
        };
        let (result, calls) = run_through(quick(4), &[busy, busy, Attempt::Done]).await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn gives_up_after_the_policy_with_the_last_failure() {
        let busy = |_| Attempt::Transient {
            failure: "busy",
            retry_after: Some(Duration::from_millis(1)),
        };
        let (result, calls) = run_through(quick(3), &[busy]).await;
        let failed = result.unwrap_err();
        assert_eq!((failed.failure, failed.attempts, calls), ("busy", 3, 3));
        // A Retry-After beyond the time bound ends the retries at once.
        let slow = |_| Attempt::Transient {
            failure: "slow",
            retry_after: Some(Duration::from_secs(3600)),
        };
        let (result, calls) = run_through(quick(3), &[slow]).await;
        assert_eq!(result.unwrap_err().attempts, 1);
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn a_fatal_failure_stops_at_once() {
        let busy = |_| Attempt::Transient {
            failure: "busy",
            retry_after: None,
        };
        let (result, calls) = run_through(quick(5), &[busy, |_| Attempt::Fatal("refused")]).await;
        let failed = result.unwrap_err();
        assert_eq!((failed.failure, failed.attempts, calls), ("refused", 2, 2));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        // Wed, 21 Oct 2015 07:28:00 GMT is epoch 1445412480.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);

        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(s in ".*") {
            let _ = parse_retry_after(&s, SystemTime::now());
        }
    }
}
