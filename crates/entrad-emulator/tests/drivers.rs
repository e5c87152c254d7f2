//! Running the real third-party clients' drivers (MSAL Python, azure-identity,
//! MSAL Node): each prints one JSON summary line, checked by the tests.

use std::path::PathBuf;

use serde_json::{Value, json};

use entrad_testkit::InProcess;

/// A driver under `tests/`, by its path there.
pub fn driver(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(relative)
}

/// Runs a driver to completion and parses its summary line; a failed run fails
/// the test with the driver's stderr.
pub async fn summary(mut command: tokio::process::Command, name: &str) -> Value {
    let output = command
        .output()
        .await
        .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{name} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("bad summary {stdout:?}: {e}"))
}

/// What every driver reports the same way: an app token for Graph from this
/// tenant with the consented role, and every user listed exactly once.
pub fn assert_graph_token_and_every_user(s: &Value, h: &InProcess, appidacr: &str, users: u64) {
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["appidacr"], appidacr, "{s}");
    assert_eq!(s["roles"], json!(["User.Read.All", "GroupMember.Read.All"]));
    assert_eq!(s["aud"], "https://graph.microsoft.com");
    assert_eq!(s["tid"], h.emulator.tenant_id());
    assert_eq!(s["graph_status"], 200, "{s}");
    assert_eq!(s["users"], users);
    assert_eq!(s["unique_users"], users);
    assert_eq!(s["groups_status"], 200, "{s}");
    assert_eq!(s["groups"], users / 10, "{s}");
}
