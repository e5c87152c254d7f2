//! entrad-sync's integration tests: one test binary, one module per area.
//! The stores run against a real SQLite file and a real PostgreSQL server
//! (scripts/test starts one); the end-to-end runs of `entrad sync` against
//! the emulator are the CLI's tests (`crates/entrad/tests/sync.rs`).

mod stores;
