//! `GET /metrics`: counters and a latency histogram in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 5.0,
];

/// What the broker counts.
#[derive(Debug, Default)]
pub struct Metrics {
    tokens_app_service: AtomicU64,
    tokens_imds: AtomicU64,
    cache_hits: AtomicU64,
    joined: AtomicU64,
    upstream_requests: AtomicU64,
    upstream_errors: Mutex<BTreeMap<&'static str, u64>>,
    refused: Mutex<BTreeMap<&'static str, u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_nanos: AtomicU64,
    expiry: Mutex<BTreeMap<String, SystemTime>>,
    /// The request id of the last token request counted: callers that joined
    /// one request in flight get its token with the same id.
    last_request: Mutex<Option<String>>,
}

/// Where a served token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The token cache (memory, file or Redis).
    Cache,
    /// A token request this caller's acquisition made.
    Request,
    /// A token request another caller started and this one waited for.
    Joined,
}

impl Origin {
    /// The label in audit lines.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Cache => "hit",
            Origin::Request => "miss",
            Origin::Joined => "joined",
        }
    }
}

/// Which protocol served a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`, api-version 2019-08-01.
    AppService,
    /// `/metadata/identity/oauth2/token` with `Metadata: true`.
    Imds,
}

impl Protocol {
    /// The label in metrics and audit lines.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::AppService => "app_service",
            Protocol::Imds => "imds",
        }
    }
}

fn bump(map: &Mutex<BTreeMap<&'static str, u64>>, key: &'static str) {
    let mut map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *map.entry(key).or_default() += 1;
}

impl Metrics {
    /// A token handed out (`request_id`: its token request's client-request-id,
    /// `None` from the cache); says where it came from.
    pub fn token_served(
        &self,
        protocol: Protocol,
        scope: &str,
        request_id: Option<&str>,
        expires_on: SystemTime,
    ) -> Origin {
        match protocol {
            Protocol::AppService => &self.tokens_app_service,
            Protocol::Imds => &self.tokens_imds,
        }
        .fetch_add(1, Relaxed);
        let origin = match request_id {
            None => Origin::Cache,
            Some(id) => {
                let mut last = self
                    .last_request
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if last.as_deref() == Some(id) {
                    Origin::Joined
                } else {
                    *last = Some(id.to_owned());
                    Origin::Request
                }
            }
        };
        match origin {
            Origin::Cache => &self.cache_hits,
            Origin::Request => &self.upstream_requests,
            Origin::Joined => &self.joined,
        }
        .fetch_add(1, Relaxed);
        let mut expiry = self
            .expiry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match expiry.get_mut(scope) {
            Some(known) => *known = expires_on,
            None => {
                expiry.insert(scope.to_owned(), expires_on);
            }
        }
        origin
    }

    /// No token: the token service or the credential failed (`kind` is entrad-auth's error kind).
    pub fn upstream_error(&self, kind: &'static str) {
        self.upstream_requests.fetch_add(1, Relaxed);
        bump(&self.upstream_errors, kind);
    }

    /// A request refused (`reason`: `header`, `resource`, `forwarded`, ...).
    pub fn refused(&self, reason: &'static str) {
        bump(&self.refused, reason);
    }

    /// How long one request took, whatever its answer.
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&le| seconds <= le) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_nanos.fetch_add(
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
            Relaxed,
        );
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let counter = |out: &mut String, name: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        };
        counter(
            &mut out,
            "entrad_serve_tokens_served_total",
            "Tokens handed to local processes.",
        );
        for (protocol, count) in [
            ("app_service", &self.tokens_app_service),
            ("imds", &self.tokens_imds),
        ] {
            let _ = writeln!(
                out,
                "entrad_serve_tokens_served_total{{protocol=\"{protocol}\"}} {}",
                count.load(Relaxed)
            );
        }
        counter(
            &mut out,
            "entrad_serve_cache_hits_total",
            "Tokens served from the token cache.",
        );
        let _ = writeln!(
            out,
            "entrad_serve_cache_hits_total {}",
            self.cache_hits.load(Relaxed)
        );
        counter(
            &mut out,
            "entrad_serve_joined_requests_total",
            "Tokens served from a token request another caller started.",
        );
        let _ = writeln!(
            out,
            "entrad_serve_joined_requests_total {}",
            self.joined.load(Relaxed)
        );
        counter(
            &mut out,
            "entrad_serve_upstream_token_requests_total",
            "Token acquisitions that went to the token service.",
        );
        let _ = writeln!(
            out,
            "entrad_serve_upstream_token_requests_total {}",
            self.upstream_requests.load(Relaxed)
        );
        counter(
            &mut out,
            "entrad_serve_upstream_errors_total",
            "Token acquisitions that failed, by kind.",
        );
        labelled(
            &mut out,
            "entrad_serve_upstream_errors_total",
            "kind",
            &self.upstream_errors,
        );
        counter(
            &mut out,
            "entrad_serve_requests_refused_total",
            "Requests refused, by reason.",
        );
        labelled(
            &mut out,
            "entrad_serve_requests_refused_total",
            "reason",
            &self.refused,
        );
        let _ = writeln!(
            out,
            "# HELP entrad_serve_request_duration_seconds Time to answer a request.\n# TYPE entrad_serve_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (le, bucket) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Relaxed);
            let _ = writeln!(
                out,
                "entrad_serve_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        let count = self.latency_count.load(Relaxed);
        let sum = self.latency_sum_nanos.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(
            out,
            "entrad_serve_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\nentrad_serve_request_duration_seconds_sum {sum}\nentrad_serve_request_duration_seconds_count {count}"
        );
        let _ = writeln!(
            out,
            "# HELP entrad_serve_token_expiry_seconds Seconds until the last token served for a scope expires.\n# TYPE entrad_serve_token_expiry_seconds gauge"
        );
        let now = SystemTime::now();
        let expiry = self
            .expiry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (scope, expires_on) in expiry.iter() {
            let left = expires_on.duration_since(now).map_or(0, |d| d.as_secs());
            let _ = writeln!(
                out,
                "entrad_serve_token_expiry_seconds{{scope=\"{}\"}} {left}",
                escape(scope)
            );
        }
        out
    }
}

fn labelled(out: &mut String, name: &str, label: &str, map: &Mutex<BTreeMap<&'static str, u64>>) {
    let map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (value, count) in map.iter() {
        let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {count}");
    }
}

/// A label value in the text format: `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histogram_in_the_text_format() {
        let metrics = Metrics::default();
        let later = SystemTime::now() + Duration::from_secs(3000);
        let scope = "https://graph.microsoft.com/.default";
        let served = |protocol, id| metrics.token_served(protocol, scope, id, later);
        assert_eq!(served(Protocol::AppService, Some("r1")), Origin::Request);
        assert_eq!(served(Protocol::AppService, Some("r1")), Origin::Joined);
        assert_eq!(served(Protocol::Imds, None), Origin::Cache);
        metrics.upstream_error("unavailable");
        metrics.refused("header");
        metrics.observe(Duration::from_micros(300));
        metrics.observe(Duration::from_secs(10));
        let text = metrics.render();
        for line in [
            "entrad_serve_tokens_served_total{protocol=\"app_service\"} 2",
            "entrad_serve_joined_requests_total 1",
            "entrad_serve_tokens_served_total{protocol=\"imds\"} 1",
            "entrad_serve_cache_hits_total 1",
            "entrad_serve_upstream_token_requests_total 2",
            "entrad_serve_upstream_errors_total{kind=\"unavailable\"} 1",
            "entrad_serve_requests_refused_total{reason=\"header\"} 1",
            "entrad_serve_request_duration_seconds_bucket{le=\"0.00025\"} 0",
            "entrad_serve_request_duration_seconds_bucket{le=\"0.0005\"} 1",
            "entrad_serve_request_duration_seconds_bucket{le=\"5\"} 1",
            "entrad_serve_request_duration_seconds_bucket{le=\"+Inf\"} 2",
            "entrad_serve_request_duration_seconds_count 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        let expiry = text
            .lines()
            .find(|l| l.starts_with("entrad_serve_token_expiry_seconds{scope=\"https://graph.microsoft.com/.default\"}"))
            .unwrap();
        let left: u64 = expiry.rsplit(' ').next().unwrap().parse().unwrap();
        assert!((2990..=3000).contains(&left), "{expiry}");
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
