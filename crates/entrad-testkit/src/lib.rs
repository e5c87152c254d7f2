//! What entrad's tests and benches share (`publish = false`, a dev-dependency only):
//!
//! - the emulator started in process ([`InProcess`], with keys generated once per
//!   build: [`state_dir`]) or as a child process ([`ChildEmulator`], from its ready line);
//! - a typed client of its admin API ([`Admin`]; the only place `/_emulator/` URLs
//!   are built), sending the admin token when the emulator gave one;
//! - an HTTPS client trusting its CA ([`https_client`]), and the Azure SDK for
//!   Rust's transport trusting it ([`azure_transport`]);
//! - the parameters files ([`Parameters`], [`read_json`]) and MSAL token cache
//!   files ([`msal_access_tokens`]);
//! - the Python and Node.js the interop tests run ([`python`], [`node`], [`node_dir`]),
//!   and the loopback Redis scripts/test starts ([`redis_url`]);
//! - the PostgreSQL server of the sync tests, a fresh database each
//!   ([`postgres_url`], [`fresh_postgres_database`]);
//! - a wiremock token service ([`token_service`]);
//! - the SoftHSM2 token `scripts/test` initialises, with keys generated inside
//!   it ([`SoftHsm`]);
//! - headless Chromium over WebDriver, trusting the emulator's CA ([`Browser`]).
//!
//! It holds no assertions: tests say what they expect. Failures to set up are
//! [`Error`]s; the conveniences of [`InProcess`] for tests panic with the reason.
//! Like the tests, it talks to loopback only.
//!
//! ```no_run
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() -> Result<(), entrad_testkit::Error> {
//! let emulator = entrad_testkit::InProcess::start(10).await?;
//! emulator.admin().reset_stats().await?;
//! let token = emulator.token().await;
//! let (status, _) = emulator.get_json("/v1.0/users", &token).await;
//! assert_eq!(status, 200);
//! assert_eq!(emulator.admin().stats().await?.route("users"), 1);
//! # Ok(())
//! # }
//! ```

mod admin;
mod azure_sdk;
mod browser;
mod child;
mod error;
mod fuzz_corpus;
mod http;
mod in_process;
mod keys;
mod managed_identity;
mod node;
mod parameters;
mod pkcs11;
mod postgres;
mod python;
mod redis;
pub mod token_service;
mod workspace;

pub use admin::{Admin, Reply, Stats};
pub use azure_sdk::azure_transport;
pub use browser::{Browser, chromedriver, screenshot_dir};
pub use child::{ChildEmulator, Ready};
pub use entrad_emulator::{Identity as EmulatedIdentity, SYSTEM_ASSIGNED, USER_ASSIGNED};
pub use error::{Error, Result};
pub use fuzz_corpus::replay_fuzz_inputs;
pub use http::{https_client, json_of};
pub use in_process::{InProcess, config};
pub use keys::state_dir;
pub use managed_identity::{MANAGED_IDENTITY_VARS, closed_loopback_url, mi_env};
pub use node::{node, node_dir};
pub use parameters::{Parameters, msal_access_tokens, read_json};
pub use pkcs11::{KeyFlags, SoftHsm};
pub use postgres::{fresh_postgres_database, postgres_url};
pub use python::{azure_cli, python};
pub use redis::{fresh_redis_prefix, redis_url};

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The modules a test directory holds: `<area>.rs` files and `<area>/mod.rs` dirs.
    fn areas(dir: &Path) -> Vec<String> {
        let mut areas = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let is_area = if path.is_dir() {
                path.join("mod.rs").exists()
            } else {
                path.extension().is_some_and(|e| e == "rs") && name != "main" && name != "mod"
            };
            if is_area {
                areas.push(name);
            }
        }
        areas
    }

    /// Adds to `out` the areas under `dir` that `declaring` (its main.rs or mod.rs)
    /// does not declare, and so on down the area directories.
    fn undeclared(dir: &Path, declaring: &Path, out: &mut Vec<String>) {
        let text = std::fs::read_to_string(declaring).unwrap_or_else(|_| {
            panic!(
                "{} is missing: one integration binary per crate",
                declaring.display()
            )
        });
        for area in areas(dir) {
            if !text.lines().any(|l| l.trim() == format!("mod {area};")) {
                out.push(dir.join(&area).display().to_string());
            }
            // A directory beside an area file may hold a driver's files, not modules.
            let sub = dir.join(&area);
            if sub.join("mod.rs").exists() {
                undeclared(&sub, &sub.join("mod.rs"), out);
            }
        }
    }

    /// With `autotests = false` a test file nobody declares never runs: every
    /// area of a crate's `tests/` must be a `mod` of its `tests/main.rs` (or of
    /// the `mod.rs` of the area directory it is in).
    #[test]
    fn every_test_area_is_declared_in_its_crates_tests_main() {
        let crates = crate::workspace::workspace_root().join("crates");
        let mut missing = Vec::new();
        let mut binaries = 0;
        for entry in std::fs::read_dir(&crates).unwrap() {
            let tests = entry.unwrap().path().join("tests");
            // entrad-py's tests are Python, run by pytest from scripts/test.
            let rust = |dir: &Path| {
                std::fs::read_dir(dir)
                    .unwrap()
                    .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "rs"))
            };
            if tests.is_dir() && rust(&tests) {
                binaries += 1;
                undeclared(&tests, &tests.join("main.rs"), &mut missing);
            }
        }
        // entrad, entrad-auth, entrad-emulator, entrad-graph, entrad-http, entrad-sync.
        assert_eq!(binaries, 6);
        assert!(
            missing.is_empty(),
            "test areas no main.rs or mod.rs declares (they would never run): {missing:?}"
        );
    }
}
