//! The description of one fault, from the `--fault` flag grammar or the admin API's JSON.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::route::Route;

/// Latency of a `latency` fault that gives no `latency_ms`.
const DEFAULT_LATENCY_MS: u64 = 1000;

/// What an injected fault does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 Too Many Requests with `Retry-After`.
    TooManyRequests,
    /// 503 Service Unavailable with `Retry-After`.
    ServiceUnavailable,
    /// 504 Gateway Timeout with `Retry-After`.
    GatewayTimeout,
    /// The request is answered normally after `latency_ms`.
    Latency,
    /// The connection is closed without a response.
    Drop,
    /// 404 Not Found (IMDS while its identity endpoint starts).
    NotFound,
    /// 410 Gone (IMDS while it is being updated).
    Gone,
    /// 500 Internal Server Error.
    InternalServerError,
}

impl FaultKind {
    /// The name used in the flag grammar and the admin API.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::TooManyRequests => "429",
            FaultKind::ServiceUnavailable => "503",
            FaultKind::GatewayTimeout => "504",
            FaultKind::Latency => "latency",
            FaultKind::Drop => "drop",
            FaultKind::NotFound => "404",
            FaultKind::Gone => "410",
            FaultKind::InternalServerError => "500",
        }
    }

    fn parse(name: &str) -> Option<FaultKind> {
        [
            FaultKind::TooManyRequests,
            FaultKind::ServiceUnavailable,
            FaultKind::GatewayTimeout,
            FaultKind::Latency,
            FaultKind::Drop,
            FaultKind::NotFound,
            FaultKind::Gone,
            FaultKind::InternalServerError,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    /// The HTTP status of the faults that answer with one.
    pub(crate) fn status(self) -> Option<u16> {
        match self {
            FaultKind::TooManyRequests => Some(429),
            FaultKind::ServiceUnavailable => Some(503),
            FaultKind::GatewayTimeout => Some(504),
            FaultKind::NotFound => Some(404),
            FaultKind::Gone => Some(410),
            FaultKind::InternalServerError => Some(500),
            FaultKind::Latency | FaultKind::Drop => None,
        }
    }
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultTrigger {
    /// Every request of the route.
    Always,
    /// The next N requests of the route.
    Count(u64),
    /// Each request with this probability (0 < rate <= 1).
    Rate(f64),
}

/// One fault: a route (or `*`), a kind, when it fires, and its parameters.
///
/// Parsed from `ROUTE:KIND[:count=N|:rate=R][:retry_after=S][:latency_ms=M]`:
///
/// ```
/// use entrad_emulator::{FaultKind, FaultSpec, FaultTrigger};
/// let f: FaultSpec = "users:429:count=3:retry_after=2".parse()?;
/// assert_eq!(f.route, "users");
/// assert_eq!(f.kind, FaultKind::TooManyRequests);
/// assert_eq!(f.trigger, FaultTrigger::Count(3));
/// assert_eq!(f.retry_after, 2);
/// # Ok::<(), entrad_emulator::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// A route name (`token`, `users`, ...) or `*` for every route.
    pub route: String,
    /// What the fault does.
    pub kind: FaultKind,
    /// When it fires.
    pub trigger: FaultTrigger,
    /// `Retry-After` seconds of 429/503/504 answers.
    pub retry_after: u64,
    /// Delay before answering (the whole effect of a `latency` fault).
    pub latency_ms: u64,
}

/// The admin API's JSON form of a fault.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct FaultBody {
    route: String,
    kind: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate: Option<f64>,
}

impl FaultSpec {
    fn build(
        route: &str,
        kind: &str,
        count: Option<u64>,
        rate: Option<f64>,
        retry_after: Option<u64>,
        latency_ms: Option<u64>,
    ) -> Result<FaultSpec, String> {
        if route != "*" && Route::from_name(route).is_none() {
            let names: Vec<&str> = Route::ALL.iter().map(|r| r.name()).collect();
            return Err(format!(
                "unknown route {route:?} (expected one of {} or *)",
                names.join(", ")
            ));
        }
        let kind = FaultKind::parse(kind).ok_or_else(|| {
            format!(
                "unknown kind {kind:?} (expected 429, 503, 504, 404, 410, 500, latency or drop)"
            )
        })?;
        let trigger = match (count, rate) {
            (Some(_), Some(_)) => return Err("give count or rate, not both".into()),
            (Some(0), None) => return Err("count must be at least 1".into()),
            (Some(n), None) => FaultTrigger::Count(n),
            (None, Some(r)) if r > 0.0 && r <= 1.0 => FaultTrigger::Rate(r),
            (None, Some(_)) => return Err("rate must be in (0, 1]".into()),
            (None, None) => FaultTrigger::Always,
        };
        let latency_ms = match (kind, latency_ms) {
            (FaultKind::Latency, None) => DEFAULT_LATENCY_MS,
            (_, ms) => ms.unwrap_or(0),
        };
        Ok(FaultSpec {
            route: route.to_string(),
            kind,
            trigger,
            retry_after: retry_after.unwrap_or(1),
            latency_ms,
        })
    }

    pub(crate) fn from_body(body: FaultBody) -> Result<FaultSpec, String> {
        let kind = match &body.kind {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err("kind must be a string".into()),
        };
        FaultSpec::build(
            &body.route,
            &kind,
            body.count,
            body.rate,
            body.retry_after,
            body.latency_ms,
        )
    }

    /// The JSON form the admin API lists.
    pub(crate) fn to_body(&self) -> FaultBody {
        let (count, rate) = match self.trigger {
            FaultTrigger::Always => (None, None),
            FaultTrigger::Count(n) => (Some(n), None),
            FaultTrigger::Rate(r) => (None, Some(r)),
        };
        FaultBody {
            route: self.route.clone(),
            kind: serde_json::Value::String(self.kind.name().into()),
            retry_after: self.kind.status().map(|_| self.retry_after),
            latency_ms: Some(self.latency_ms).filter(|ms| *ms > 0),
            count,
            rate,
        }
    }

    /// Whether the fault applies to this route.
    pub(crate) fn matches(&self, route: Route) -> bool {
        self.route == "*" || self.route == route.name()
    }
}

impl FromStr for FaultSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidFault {
            spec: spec.to_string(),
            reason,
        };
        let mut parts = spec.split(':');
        let route = parts.next().unwrap_or_default();
        let kind = parts
            .next()
            .ok_or_else(|| invalid("expected ROUTE:KIND[:option=value...]".into()))?;
        let (mut count, mut rate, mut retry_after, mut latency_ms) = (None, None, None, None);
        for option in parts {
            let (key, value) = option
                .split_once('=')
                .ok_or_else(|| invalid(format!("option {option:?} is not key=value")))?;
            let number = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| invalid(format!("{key} must be a whole number")))
            };
            match key {
                "count" => count = Some(number(value)?),
                "retry_after" => retry_after = Some(number(value)?),
                "latency_ms" => latency_ms = Some(number(value)?),
                "rate" => {
                    rate = Some(
                        value
                            .parse::<f64>()
                            .map_err(|_| invalid("rate must be a number".into()))?,
                    )
                }
                _ => return Err(invalid(format!("unknown option {key:?}"))),
            }
        }
        FaultSpec::build(route, kind, count, rate, retry_after, latency_ms).map_err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_flag_grammar() {
        let f: FaultSpec = "*:latency:rate=0.5:latency_ms=20".parse().unwrap();
        assert_eq!(f.kind, FaultKind::Latency);
        assert_eq!(f.trigger, FaultTrigger::Rate(0.5));
        assert_eq!(f.latency_ms, 20);
        let f: FaultSpec = "token:drop".parse().unwrap();
        assert_eq!(f.trigger, FaultTrigger::Always);
        let f: FaultSpec = "token:latency".parse().unwrap();
        assert_eq!(f.latency_ms, DEFAULT_LATENCY_MS);
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "users",
            "nope:429",
            "users:418",
            "users:429:count=1:rate=0.5",
            "users:429:rate=2",
            "users:429:count=0",
            "users:429:count",
            "users:429:color=red",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted `--fault` flags: Ok or Err, never a panic.
        #[test]
        fn prop_fault_spec_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "(users|token|\\*|x)(:(429|503|504|latency|drop|count=-?[0-9]{0,3}|rate=[0-9.eE+-]{0,6}|retry_after=-?[0-9]{0,21}|latency_ms=-?[0-9]{0,21}|[a-z=]{0,4})){0,5}",
            ]
        ) {
            let _ = input.parse::<FaultSpec>();
        }
    }
}
