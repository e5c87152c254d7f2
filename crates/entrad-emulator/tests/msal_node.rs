//! Real MSAL Node (`@azure/msal-node`, installed by scripts/test with `npm ci` into
//! tests/node/node_modules) against the emulator: a `ConfidentialClientApplication` with
//! the emulator as a known authority, trusting its CA through NODE_EXTRA_CA_CERTS, with a
//! client secret, a certificate (SHA-256 and SHA-1 thumbprints) and the federated token
//! file as client assertion, then listing every user once.

mod common;

use std::path::PathBuf;

use common::Harness;
use common::clients::{assert_graph_token_and_every_user, summary};
use serde_json::Value;

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// `node` from PATH, with the driver's dependencies installed next to it.
fn node() -> PathBuf {
    let node = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no `node` on PATH: install Node.js 20+ (scripts/test installs it and runs npm ci)"
            )
        });
    let msal = node_dir().join("node_modules/@azure/msal-node");
    assert!(
        msal.exists(),
        "{} is missing: run scripts/test (it runs npm ci in {})",
        msal.display(),
        node_dir().display()
    );
    node
}

async fn run_msal_node(h: &Harness, mode: &str, top: Option<&str>) -> Value {
    let mut command = tokio::process::Command::new(node());
    command
        .current_dir(node_dir())
        .arg("msal_node_client.js")
        .arg(h.emulator.state_dir())
        .arg(mode)
        // Node reads it once at start: the child trusts the emulator's CA, nothing else changes.
        .env("NODE_EXTRA_CA_CERTS", h.emulator.ca_file());
    if let Some(top) = top {
        command.arg(top);
    }
    summary(command, "msal_node_client.js").await
}

/// A token from the emulator for Graph, then from MSAL's cache, and every user once.
fn assert_listed_every_user(s: &Value, h: &Harness, appidacr: &str, users: u64) {
    assert_eq!(s["from_cache"], false, "{s}");
    assert_eq!(s["second_from_cache"], true, "{s}");
    assert_graph_token_and_every_user(s, h, appidacr, users);
}

#[tokio::test]
async fn msal_node_client_secret_lists_every_user_once() {
    let h = Harness::start(1234).await;
    let s = run_msal_node(&h, "secret", Some("250")).await;
    assert_listed_every_user(&s, &h, "1", 1234);
    assert_eq!(s["pages"], 5);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["token"], 1);
    assert_eq!(stats["requests"]["users"], 5);
}

#[tokio::test]
async fn msal_node_certificate_with_sha256_thumbprint() {
    let h = Harness::start(150).await;
    let s = run_msal_node(&h, "certificate", None).await;
    assert_listed_every_user(&s, &h, "2", 150);
    assert_eq!(s["pages"], 2);
}

#[tokio::test]
async fn msal_node_certificate_with_sha1_thumbprint() {
    let h = Harness::start(20).await;
    let s = run_msal_node(&h, "thumbprint", None).await;
    assert_listed_every_user(&s, &h, "2", 20);
}

#[tokio::test]
async fn msal_node_exchanges_the_federated_token_file() {
    let h = Harness::start(7).await;
    let s = run_msal_node(&h, "client_assertion", None).await;
    assert_listed_every_user(&s, &h, "2", 7);
}
