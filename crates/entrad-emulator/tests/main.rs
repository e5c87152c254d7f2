//! The emulator's integration tests: one test binary, one module per area, each
//! against a real emulator over TLS on loopback (in process, or the binary).
//!
//! Layout: a new area is a new `tests/<area>.rs` declared below; what several
//! areas share and is specific to the emulator's tests goes in `assertion.rs` or
//! `drivers.rs`; what other crates' tests or the benches could use (starting the
//! emulator, its admin API, trusting its CA) goes in `crates/entrad-testkit`.
//! Unit tests stay inline in `src/` (`#[cfg(test)] mod tests { ... }`).

mod admin;
mod admin_token;
mod app_credentials;
mod assertion;
mod azure_cli;
mod azure_identity;
mod batch;
mod binary;
mod cae;
mod consent;
mod delta;
mod drivers;
mod faults;
mod federated;
mod fuzz_regressions;
mod graph_users;
mod group_queries;
mod group_writes;
mod groups;
mod hostile_input;
mod idle_connections;
mod managed_identity;
mod msal_node;
mod msal_python;
mod msgraph;
mod orderby;
mod portal;
mod scale;
mod search;
mod tenants;
mod token;
mod user_writes;
