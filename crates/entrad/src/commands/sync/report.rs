//! What one run did: the summary line (or JSON object) on stdout.

use std::io::Write;
use std::time::Duration;

use entrad_sync::{Counts, Outcome};
use serde_json::json;

use crate::error::Error;

/// One tenant's part of a run.
pub struct TenantRun {
    /// The tenant, as rows are keyed.
    pub tenant: String,
    /// What happened.
    pub result: Result<Outcome, Error>,
    /// Tokens requested from the token service for it.
    pub token_requests: u64,
}

/// Every tenant's part of a run, and how long it took.
pub struct RunReport {
    /// Per tenant, in the order they finished.
    pub tenants: Vec<TenantRun>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl RunReport {
    /// The counts of the tenants that synced.
    fn counts(&self) -> Counts {
        let mut total = Counts::default();
        for run in &self.tenants {
            if let Ok(Outcome::Synced(counts)) = &run.result {
                total += *counts;
            }
        }
        total
    }

    fn busy(&self) -> Vec<&str> {
        self.tenants
            .iter()
            .filter(|run| matches!(run.result, Ok(Outcome::Busy)))
            .map(|run| run.tenant.as_str())
            .collect()
    }

    fn failed(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.tenants.iter().filter_map(|run| match &run.result {
            Err(e) => Some((run.tenant.as_str(), e)),
            Ok(_) => None,
        })
    }

    /// The summary: one line of text, or one JSON object on one line.
    pub fn write(&self, out: &mut impl Write, json: bool) -> std::io::Result<()> {
        let c = self.counts();
        let token_requests: u64 = self.tenants.iter().map(|run| run.token_requests).sum();
        let busy = self.busy();
        let failed: Vec<_> = self.failed().collect();
        if json {
            let failed: Vec<_> = failed
                .iter()
                .map(|(tenant, e)| {
                    let (code, message) = crate::exit::outcome(e);
                    json!({"tenant": tenant, "exit_code": code, "error": message})
                })
                .collect();
            let line = json!({
                "tenants": self.tenants.len(),
                "added": c.added,
                "changed": c.changed,
                "removed": c.removed,
                "members_added": c.members_added,
                "members_removed": c.members_removed,
                "pages": c.pages,
                "token_requests": token_requests,
                "elapsed_ms": self.elapsed.as_millis() as u64,
                "busy": busy,
                "failed": failed,
            });
            return writeln!(out, "{line}");
        }
        let mut line = format!(
            "synced {} tenant(s): {} added, {} changed, {} removed",
            self.tenants.len() - busy.len() - failed.len(),
            c.added,
            c.changed,
            c.removed
        );
        if c.members_added + c.members_removed > 0 {
            line += &format!(
                ", {} members added, {} members removed",
                c.members_added, c.members_removed
            );
        }
        line += &format!(
            ", {} pages, {} token requests, {:.2} s",
            c.pages,
            token_requests,
            self.elapsed.as_secs_f64()
        );
        if !busy.is_empty() {
            line += &format!(", {} busy (held by another worker)", busy.len());
        }
        if !failed.is_empty() {
            line += &format!(", {} failed", failed.len());
        }
        writeln!(out, "{line}")
    }

    /// Each failed tenant on its own line on stderr.
    pub fn print_failures(&self) {
        for (tenant, e) in self.failed() {
            if let (_, Some(message)) = crate::exit::outcome(e) {
                eprintln!("entrad: tenant {tenant}: {message}");
            }
        }
    }

    /// The run's end as an error: the failure itself with one tenant, else how many failed.
    pub fn into_result(mut self) -> Result<(), Error> {
        let tenants = self.tenants.len();
        let failed = self
            .tenants
            .iter()
            .filter(|run| run.result.is_err())
            .count();
        if failed == 0 {
            return Ok(());
        }
        if tenants == 1
            && let Some(TenantRun { result: Err(e), .. }) = self.tenants.pop()
        {
            return Err(e);
        }
        self.print_failures();
        let code = self
            .failed()
            .next()
            .map_or(crate::exit::INTERNAL, |(_, e)| crate::exit::outcome(e).0);
        Err(Error::TenantsFailed {
            failed,
            tenants,
            code,
        })
    }
}
