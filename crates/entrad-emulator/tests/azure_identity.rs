//! Real azure-identity (installed by scripts/test into /work/main/.venv) against the
//! emulator: `ClientSecretCredential`, `CertificateCredential` (combined PEM and the PFX
//! with its password) and `WorkloadIdentityCredential` (the federated token file), each
//! with `authority=` the emulator, `disable_instance_discovery=True` and
//! `connection_verify=` its CA, then listing every user once.

use crate::drivers::{assert_graph_token_and_every_user, driver, summary};
use entrad_testkit::InProcess;
use serde_json::Value;

async fn run_azure_identity(h: &InProcess, mode: &str, top: Option<&str>) -> Value {
    let mut command = tokio::process::Command::new(entrad_testkit::python().unwrap());
    command
        .arg(driver("azure_identity/azure_identity_client.py"))
        .arg(h.emulator.state_dir())
        .arg(&h.base)
        .arg(h.emulator.tenant_id())
        .arg(h.emulator.client_id())
        .arg(h.emulator.ca_file())
        .arg(mode);
    if let Some(top) = top {
        command.arg(top);
    }
    summary(command, "azure_identity_client.py").await
}

/// A token from the emulator for Graph, cached by the credential, and every user once.
fn assert_listed_every_user(s: &Value, h: &InProcess, appidacr: &str, users: u64) {
    assert_eq!(s["cached"], true, "{s}");
    assert_graph_token_and_every_user(s, h, appidacr, users);
}

#[tokio::test]
async fn azure_identity_client_secret_credential_lists_every_user_once() {
    let h = InProcess::start(321).await.unwrap();
    let s = run_azure_identity(&h, "secret", Some("100")).await;
    assert_listed_every_user(&s, &h, "1", 321);
    assert_eq!(s["pages"], 4);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["token"], 1);
    assert_eq!(stats["requests"]["users"], 4);
}

#[tokio::test]
async fn azure_identity_certificate_credential_reads_a_combined_pem() {
    let h = InProcess::start(150).await.unwrap();
    let s = run_azure_identity(&h, "certificate", None).await;
    assert_listed_every_user(&s, &h, "2", 150);
    assert_eq!(s["pages"], 2);
}

#[tokio::test]
async fn azure_identity_certificate_credential_reads_the_pfx_and_its_password() {
    let h = InProcess::start(12).await.unwrap();
    let s = run_azure_identity(&h, "pfx", None).await;
    assert_listed_every_user(&s, &h, "2", 12);
}

#[tokio::test]
async fn azure_identity_workload_identity_credential_exchanges_the_federated_token() {
    let h = InProcess::start(7).await.unwrap();
    let s = run_azure_identity(&h, "workload_identity", None).await;
    assert_listed_every_user(&s, &h, "2", 7);
    assert_eq!(h.stats().await["requests"]["token"], 1);
}
