//! The Graph client's integration tests: one test binary, one module per area.
//! Narrow HTTP cases against wiremock (loopback http, allowed explicitly): the
//! token comes from a wiremock token service, Graph is wiremock too.
//!
//! Layout: a new area is a new `tests/<area>.rs` declared below; what the areas
//! share goes in `support.rs`; what other crates' tests could use (the emulator,
//! its admin API, wiremock token services) goes in `crates/entrad-testkit`.
//! Unit tests stay inline in `src/` (`#[cfg(test)] mod tests { ... }`).

mod batch;
mod body_limits;
mod cae;
mod delta;
mod fuzz_regressions;
mod paging;
mod queries;
mod retries;
mod rotation;
mod support;
mod token_scope;
mod tokens;
