//! Real MSAL Node (`@azure/msal-node`, installed by scripts/test with `npm ci` into
//! tests/node/node_modules) against the emulator: a `ConfidentialClientApplication` with
//! the emulator as a known authority, trusting its CA through NODE_EXTRA_CA_CERTS, with a
//! client secret, a certificate (SHA-256 and SHA-1 thumbprints) and the federated token
//! file as client assertion, then listing every user once.

use crate::drivers::{assert_graph_token_and_every_user, summary};
use entrad_testkit::InProcess;
use serde_json::Value;

async fn run_msal_node(h: &InProcess, mode: &str, top: Option<&str>) -> Value {
    let mut command = tokio::process::Command::new(entrad_testkit::node().unwrap());
    command
        .current_dir(entrad_testkit::node_dir())
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
fn assert_listed_every_user(s: &Value, h: &InProcess, appidacr: &str, users: u64) {
    assert_eq!(s["from_cache"], false, "{s}");
    assert_eq!(s["second_from_cache"], true, "{s}");
    assert_graph_token_and_every_user(s, h, appidacr, users);
}

#[tokio::test]
async fn msal_node_client_secret_lists_every_user_once() {
    let h = InProcess::start(1234).await.unwrap();
    let s = run_msal_node(&h, "secret", Some("250")).await;
    assert_listed_every_user(&s, &h, "1", 1234);
    assert_eq!(s["pages"], 5);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["token"], 1);
    assert_eq!(stats["requests"]["users"], 5);
}

#[tokio::test]
async fn msal_node_certificate_with_sha256_thumbprint() {
    let h = InProcess::start(150).await.unwrap();
    let s = run_msal_node(&h, "certificate", None).await;
    assert_listed_every_user(&s, &h, "2", 150);
    assert_eq!(s["pages"], 2);
}

#[tokio::test]
async fn msal_node_certificate_with_sha1_thumbprint() {
    let h = InProcess::start(20).await.unwrap();
    let s = run_msal_node(&h, "thumbprint", None).await;
    assert_listed_every_user(&s, &h, "2", 20);
}

#[tokio::test]
async fn msal_node_exchanges_the_federated_token_file() {
    let h = InProcess::start(7).await.unwrap();
    let s = run_msal_node(&h, "client_assertion", None).await;
    assert_listed_every_user(&s, &h, "2", 7);
}
