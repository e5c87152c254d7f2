//! The CLI's integration tests: one test binary, one module per area, each
//! running the real `entrad` binary against a real emulator (an `entrad
//! emulator` child process) over TLS on loopback.
//!
//! Layout: a new area is a new `tests/<area>.rs` declared below; what the CLI's
//! areas share (`entrad` commands with a clean environment) goes in `support.rs`;
//! what other crates' tests could use (starting the emulator, its admin API)
//! goes in `crates/entrad-testkit`. Unit tests stay inline in `src/`
//! (`#[cfg(test)] mod tests { ... }`).

mod api;
mod body_limits;
mod browser;
mod caches;
mod cae;
mod control_characters;
mod credential_fingerprint;
mod discovery;
mod errors;
mod faults;
mod file_limits;
mod formats;
mod hostile_input;
mod limits;
mod log_format;
mod managed_identity;
mod orderby;
mod pfx;
mod pipes;
mod pkcs11;
mod quickstart;
mod readme;
mod rotation;
mod search;
mod serve;
mod shell_integration;
mod soak;
mod support;
mod sync;
mod systemd;
mod token_scope;
mod workload_identity;
