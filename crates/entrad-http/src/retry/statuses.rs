//! The HTTP statuses each service's answers are retried on.

/// A named set of HTTP statuses worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSet(&'static [u16]);

impl StatusSet {
    /// The token service (and its OIDC metadata): 429, 500, 502, 503, 504.
    /// A token request has no side effect, so a 500 or 502 (a front end
    /// that lost its back end) is as safe to send again as a 503; MSAL
    /// retries the token service's 5xx too.
    pub const TOKEN_SERVICE: StatusSet = StatusSet(&[429, 500, 502, 503, 504]);

    /// What IMDS answers while it starts or is busy, as MSAL and
    /// azure-identity retry it: 404 and 410 (the endpoint is starting), 429
    /// and every 5xx.
    pub const IMDS: StatusSet = StatusSet(&[
        404, 410, 429, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511,
    ]);

    /// Graph: 429, 503, 504, as the Graph SDKs' retry handler. A 500 from
    /// Graph can follow a write that was applied (a POST, a `$batch`), so it
    /// is not sent again blindly; throttling and "busy" answers are.
    pub const GRAPH: StatusSet = StatusSet(&[429, 503, 504]);

    /// Graph, for a request that is not idempotent (POST, PATCH): 429 only.
    /// Graph refused it before doing anything, while a 503 or 504 may come
    /// after the write was applied, so sending it again could apply it twice.
    pub const GRAPH_NOT_IDEMPOTENT: StatusSet = StatusSet(&[429]);

    /// A set of its own, e.g. `StatusSet::new(&[429, 503])`.
    pub const fn new(statuses: &'static [u16]) -> StatusSet {
        StatusSet(statuses)
    }

    /// True when `status` is in the set.
    pub fn contains(&self, status: u16) -> bool {
        self.0.contains(&status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sets() {
        for s in [429, 500, 502, 503, 504] {
            assert!(StatusSet::TOKEN_SERVICE.contains(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 501] {
            assert!(!StatusSet::TOKEN_SERVICE.contains(s), "{s}");
        }
        for s in [404, 410, 429, 500, 503, 511] {
            assert!(StatusSet::IMDS.contains(s), "{s}");
        }
        for s in [200, 400, 401, 403] {
            assert!(!StatusSet::IMDS.contains(s), "{s}");
        }
        for s in [429, 503, 504] {
            assert!(StatusSet::GRAPH.contains(s), "{s}");
            assert_eq!(StatusSet::GRAPH_NOT_IDEMPOTENT.contains(s), s == 429, "{s}");
        }
        for s in [200, 400, 401, 403, 404, 500, 501, 502] {
            assert!(!StatusSet::GRAPH.contains(s), "{s}");
        }
    }
}
