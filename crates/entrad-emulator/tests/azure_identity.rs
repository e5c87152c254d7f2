//! Real azure-identity (installed by scripts/test into /work/main/.venv) against the
//! emulator: `ClientSecretCredential`, `CertificateCredential` (combined PEM and the PFX
//! with its password) and `WorkloadIdentityCredential` (the federated token file), each
//! with `authority=` the emulator, `disable_instance_discovery=True` and
//! `connection_verify=` its CA, then listing every user once.

mod common;

use std::path::PathBuf;

use common::Harness;
use serde_json::{Value, json};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ENTRAD_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with azure-identity: set ENTRAD_PYTHON or run scripts/test (it creates {} from scripts/requirements-test.txt)",
        venv.display()
    );
    venv
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/azure_identity/azure_identity_client.py")
}

async fn run_azure_identity(h: &Harness, mode: &str, top: Option<&str>) -> Value {
    let mut command = tokio::process::Command::new(python());
    command
        .arg(script())
        .arg(h.emulator.state_dir())
        .arg(&h.base)
        .arg(h.emulator.tenant_id())
        .arg(h.emulator.client_id())
        .arg(h.emulator.ca_file())
        .arg(mode);
    if let Some(top) = top {
        command.arg(top);
    }
    let output = command.output().await.expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "azure_identity_client.py failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("bad summary {stdout:?}: {e}"))
}

/// A token from the emulator for Graph, cached by the credential, and every user once.
fn assert_listed_every_user(s: &Value, h: &Harness, appidacr: &str, users: u64) {
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["cached"], true, "{s}");
    assert_eq!(s["appidacr"], appidacr, "{s}");
    assert_eq!(s["roles"], json!(["User.Read.All"]));
    assert_eq!(s["aud"], "https://graph.microsoft.com");
    assert_eq!(s["tid"], h.emulator.tenant_id());
    assert_eq!(s["graph_status"], 200, "{s}");
    assert_eq!(s["users"], users);
    assert_eq!(s["unique_users"], users);
}

#[tokio::test]
async fn azure_identity_client_secret_credential_lists_every_user_once() {
    let h = Harness::start(321).await;
    let s = run_azure_identity(&h, "secret", Some("100")).await;
    assert_listed_every_user(&s, &h, "1", 321);
    assert_eq!(s["pages"], 4);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["token"], 1);
    assert_eq!(stats["requests"]["users"], 4);
}

#[tokio::test]
async fn azure_identity_certificate_credential_reads_a_combined_pem() {
    let h = Harness::start(150).await;
    let s = run_azure_identity(&h, "certificate", None).await;
    assert_listed_every_user(&s, &h, "2", 150);
    assert_eq!(s["pages"], 2);
}

#[tokio::test]
async fn azure_identity_certificate_credential_reads_the_pfx_and_its_password() {
    let h = Harness::start(12).await;
    let s = run_azure_identity(&h, "pfx", None).await;
    assert_listed_every_user(&s, &h, "2", 12);
}

#[tokio::test]
async fn azure_identity_workload_identity_credential_exchanges_the_federated_token() {
    let h = Harness::start(7).await;
    let s = run_azure_identity(&h, "workload_identity", None).await;
    assert_listed_every_user(&s, &h, "2", 7);
    assert_eq!(h.stats().await["requests"]["token"], 1);
}
