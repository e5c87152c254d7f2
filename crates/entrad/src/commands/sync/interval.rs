//! `--watch INTERVAL`: how long between runs, with jitter.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::error::Error;

/// `90`, `90s`, `5m`, `1h` (at least one second).
pub fn parse(text: &str) -> Result<Duration, Error> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && scale > 0 => Ok(Duration::from_secs(n.saturating_mul(scale))),
        _ => Err(Error::Config(format!(
            "--watch `{text}` is not an interval: give seconds, minutes or hours, e.g. 90s, 5m, 1h"
        ))),
    }
}

/// `interval` give or take a tenth, so that workers started together spread out.
pub fn jittered(interval: Duration) -> Duration {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    // A fraction in [-0.1, 0.1).
    let fraction = (random % 2000) as f64 / 10_000.0 - 0.1;
    interval.mul_f64(1.0 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_units_and_refuses_the_rest() {
        assert_eq!(parse("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("1h").unwrap(), Duration::from_secs(3600));
        for bad in ["", "0s", "5d", "m", "-1s", "1.5m"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn jitter_stays_within_a_tenth() {
        let base = Duration::from_secs(100);
        for _ in 0..100 {
            let d = jittered(base);
            assert!(
                d >= Duration::from_secs(90) && d <= Duration::from_secs(110),
                "{d:?}"
            );
        }
    }
}
