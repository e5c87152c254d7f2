//! entrad-auth's integration tests: one test binary, one module per area.
//! Token services on loopback: wiremock (narrow HTTP cases), a small TLS server
//! with a private CA, a real redis-server (scripts/test starts it) and the real
//! emulator with real MSAL Python. Nothing here talks to any other host.
//!
//! Layout: a new area is a new `tests/<area>.rs` (or `tests/<area>/mod.rs` with
//! sub-areas, as `caches/`) declared below; what this crate's areas share goes in
//! `support.rs`; what other crates' tests could use (the emulator, its admin API,
//! wiremock token services) goes in `crates/entrad-testkit`. Unit tests stay
//! inline in `src/` (`#[cfg(test)] mod tests { ... }`).

mod assertions;
mod azure_core_bridge;
mod body_limits;
mod caches;
mod claims;
mod discovery;
mod errors;
mod examples;
mod fuzz_regressions;
mod hardware;
mod managed_identity;
mod msal_interop;
mod retries;
mod rotation;
mod secrets;
mod signers;
mod support;
mod tls;
mod token_flow;
