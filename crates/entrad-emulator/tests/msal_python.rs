//! Real MSAL Python (installed by scripts/test into /work/main/.venv) against the
//! emulator: secret, certificate thumbprint (RS256/x5t) and public certificate
//! (PS256/x5t#S256), the PFX (PKCS#12) and a federated client assertion (workload
//! identity), listing every user; the unconsented app gets Graph's 403.

use crate::drivers::{driver, summary};
use entrad_testkit::InProcess;
use serde_json::Value;

async fn run_msal(h: &InProcess, parameters: &str, mode: &str, top: Option<&str>) -> Value {
    let mut command = tokio::process::Command::new(entrad_testkit::python().unwrap());
    command
        .arg(driver("msal/msal_client.py"))
        .arg(h.emulator.state_dir().join(parameters))
        .arg(h.emulator.ca_file())
        .arg(mode);
    if let Some(top) = top {
        command.arg(top);
    }
    summary(command, "msal_client.py").await
}

#[tokio::test]
async fn msal_python_secret_flow_lists_every_user_once() {
    let h = InProcess::start(1234).await.unwrap();
    let s = run_msal(&h, "parameters.json", "secret", Some("250")).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["token_source"], "identity_provider");
    assert_eq!(s["second_token_source"], "cache");
    assert_eq!(s["appidacr"], "1");
    assert_eq!(
        s["roles"],
        serde_json::json!(["User.Read.All", "GroupMember.Read.All"])
    );
    assert_eq!(s["graph_status"], 200);
    assert_eq!(s["users"], 1234);
    assert_eq!(s["unique_users"], 1234);
    assert_eq!(s["pages"], 5);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["token"], 1);
    assert_eq!(stats["requests"]["openid-configuration"], 1);
    assert_eq!(stats["requests"]["users"], 5);
}

#[tokio::test]
async fn msal_python_with_client_capabilities_gets_a_long_lived_cae_token() {
    let h = InProcess::start(120).await.unwrap();
    let s = run_msal(&h, "parameters.json", "cae", None).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["xms_cc"], serde_json::json!(["cp1"]));
    assert_eq!(s["expires_in"], 86_399);
    assert_eq!(s["second_token_source"], "cache");
    assert_eq!(s["graph_status"], 200);
    assert_eq!(s["unique_users"], 120);
    let plain = run_msal(&h, "parameters.json", "secret", None).await;
    assert_eq!(plain["xms_cc"], Value::Null, "{plain}");
    assert_eq!(plain["expires_in"], 3599);
}

/// MSAL Python answers the emulator's claims challenge as Microsoft's CAE guide
/// shows: the claims from `WWW-Authenticate` go to `acquire_token_for_client`,
/// whose new token Graph accepts.
#[tokio::test]
async fn msal_python_answers_the_claims_challenge_after_a_cae_event() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let h = InProcess::start(10).await.unwrap();
    let mut child = tokio::process::Command::new(entrad_testkit::python().unwrap())
        .arg(driver("msal/msal_cae.py"))
        .arg(h.emulator.parameters_file())
        .arg(h.emulator.ca_file())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ready"));
    // Issue times and events compare in whole seconds.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let event = h
        .admin()
        .cae_event("service_principal_deleted", None)
        .await
        .unwrap_err();
    assert!(event.to_string().contains("400"), "{event}");
    let event = h
        .admin()
        .cae_event("risk_policy_changed", None)
        .await
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"go\n").await.unwrap();
    let line = lines.next_line().await.unwrap().expect("a summary");
    let s: Value = serde_json::from_str(&line).unwrap();
    assert!(child.wait().await.unwrap().success());
    assert_eq!(s["before"], 200, "{s}");
    assert_eq!(s["challenged_status"], 401, "{s}");
    assert_eq!(
        s["challenge"],
        serde_json::json!({"access_token": {"nbf": {"essential": true, "value": event["time"].to_string()}}})
    );
    assert!(
        s["graph_code"]
            .as_str()
            .unwrap()
            .ends_with("TokenCreatedWithOutdatedPolicies"),
        "{s}"
    );
    assert_eq!(s["second_token_source"], "identity_provider");
    assert_eq!(s["second_xms_cc"], serde_json::json!(["cp1"]));
    assert_eq!(s["new_token"], true);
    assert_eq!(s["retried_status"], 200, "{s}");
    let events = h.admin().cae_events().await.unwrap();
    assert_eq!(events["challenges_sent"], 1);
    assert_eq!(events["challenges_answered"], 1);
}

#[tokio::test]
async fn msal_python_certificate_thumbprint_flow() {
    let h = InProcess::start(150).await.unwrap();
    let s = run_msal(&h, "parameters-certificate.json", "thumbprint", None).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["appidacr"], "2");
    assert_eq!(s["graph_status"], 200);
    assert_eq!(s["users"], 150);
    assert_eq!(s["unique_users"], 150);
    assert_eq!(s["pages"], 2);
}

#[tokio::test]
async fn msal_python_public_certificate_flow_uses_ps256() {
    let h = InProcess::start(20).await.unwrap();
    let s = run_msal(
        &h,
        "parameters-certificate.json",
        "public_certificate",
        None,
    )
    .await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["appidacr"], "2");
    assert_eq!(s["users"], 20);
}

#[tokio::test]
async fn msal_python_reads_the_pfx_and_its_password() {
    let h = InProcess::start(12).await.unwrap();
    let s = run_msal(&h, "parameters.json", "pfx", None).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["appidacr"], "2");
    assert_eq!(s["users"], 12);
}

#[tokio::test]
async fn msal_python_exchanges_the_federated_token_file() {
    let h = InProcess::start(7).await.unwrap();
    let s = run_msal(&h, "parameters.json", "client_assertion", None).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["appidacr"], "2");
    assert_eq!(
        s["roles"],
        serde_json::json!(["User.Read.All", "GroupMember.Read.All"])
    );
    assert_eq!(s["users"], 7);
}

#[tokio::test]
async fn msal_python_unconsented_app_gets_graph_403() {
    let h = InProcess::start(5).await.unwrap();
    let s = run_msal(&h, "parameters-unconsented.json", "secret", None).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["roles"], Value::Null);
    assert_eq!(s["graph_status"], 403);
    assert_eq!(s["graph_error"], "Authorization_RequestDenied");
    assert_eq!(
        s["graph_message"],
        "Insufficient privileges to complete the operation."
    );
}

#[tokio::test]
async fn msal_python_sees_the_token_service_errors() {
    let h = InProcess::start(1).await.unwrap();
    let mut wrong = h.parameters("parameters.json");
    wrong["secret"] = Value::String("not-the-secret".into());
    let path = h.dir.path().join("wrong.json");
    std::fs::write(&path, wrong.to_string()).unwrap();
    let s = run_msal(&h, "wrong.json", "secret", None).await;
    assert_eq!(s["ok"], false);
    assert_eq!(s["error"], "invalid_client");
    assert_eq!(s["error_codes"], serde_json::json!([7000215]));
    // MSAL passes the description through: its first line is the message, the
    // trace and correlation ids and the timestamp follow on their own lines.
    let description = s["error_description"].as_str().unwrap();
    let lines: Vec<&str> = description.split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{description:?}");
    assert!(lines[0].starts_with("AADSTS7000215: "), "{description:?}");
    assert!(lines[1].starts_with("Trace ID: "), "{description:?}");
}
