//! What entrad's tests and benches share (`publish = false`, a dev-dependency only):
//!
//! - the emulator started in process ([`InProcess`], with keys generated once per
//!   build: [`state_dir`]) or as a child process ([`ChildEmulator`], from its ready line);
//! - a typed client of its admin API ([`Admin`]; the only place `/_emulator/` URLs
//!   are built), sending the admin token when the emulator gave one;
//! - an HTTPS client trusting its CA ([`https_client`]);
//! - the parameters files ([`Parameters`], [`read_json`]) and MSAL token cache
//!   files ([`msal_access_tokens`]);
//! - the Python and Node.js the interop tests run ([`python`], [`node`], [`node_dir`]);
//! - a wiremock token service ([`token_service`]).
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
mod child;
mod error;
mod http;
mod in_process;
mod keys;
mod node;
mod parameters;
mod python;
pub mod token_service;

pub use admin::{Admin, Reply, Stats};
pub use child::{ChildEmulator, Ready};
pub use error::Error;
pub use http::{https_client, json_of};
pub use in_process::{InProcess, admin_token, config};
pub use keys::state_dir;
pub use node::{node, node_dir};
pub use parameters::{Parameters, msal_access_tokens, read_json};
pub use python::python;

/// The workspace's root directory (this crate is `crates/entrad-testkit`).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
