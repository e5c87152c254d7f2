//! parameters.json's `ClientCredentials` (Microsoft.Identity.Web's credential
//! descriptions): credentials the token service refuses as no longer valid are
//! passed over for the next one, whatever the order of rotation.

use serde_json::{Value, json};

use crate::support::{Emulator, stderr_of, succeed, write_json};

fn add_secret(emulator: &Emulator, client_id: &str, expires_in: Option<i64>) -> Value {
    let child = emulator.child();
    child
        .block_on(child.admin().add_secret(client_id, expires_in))
        .unwrap()
}

#[test]
fn a_list_passes_over_expired_and_removed_secrets_and_certificates() {
    let emulator = Emulator::start(12);
    let mut p = emulator.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap().to_owned();
    let expired = add_secret(&emulator, &client_id, Some(-60));
    let removed = add_secret(&emulator, &client_id, None);
    let child = emulator.child();
    child
        .block_on(
            child
                .admin()
                .remove_secret(&client_id, removed["key_id"].as_str().unwrap()),
        )
        .unwrap();
    let secret = p.as_object_mut().unwrap().remove("secret").unwrap();
    p["ClientCredentials"] = json!([
        {"SourceType": "ClientSecret", "ClientSecret": expired["value"]},
        {"SourceType": "ClientSecret", "ClientSecret": removed["value"]},
        {"SourceType": "Path", "CertificateDiskPath": emulator.file("app-cert.pfx"),
         "CertificatePassword": entrad_emulator::APP_PFX_PASSWORD},
        {"SourceType": "ClientSecret", "ClientSecret": secret},
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "parameters.json", &p);
    emulator.reset_stats();
    let output = succeed(emulator.entrad().arg("run").arg(&file));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        listed["value"].as_array().map(Vec::len),
        Some(12),
        "{listed}"
    );
    let stderr = stderr_of(&output);
    for leaked in [&expired["value"], &removed["value"], &secret] {
        assert!(!stderr.contains(leaked.as_str().unwrap()), "{stderr}");
    }
    // Expired (7000222), removed (7000215), then the certificate is accepted.
    assert_eq!(emulator.stats().route("token"), 3);
}

#[test]
fn a_list_of_refused_credentials_fails_with_the_last_refusal() {
    let emulator = Emulator::start(1);
    let mut p = emulator.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap().to_owned();
    let expired = add_secret(&emulator, &client_id, Some(-60));
    p.as_object_mut().unwrap().remove("secret");
    p["ClientCredentials"] = json!([
        {"SourceType": "ClientSecret", "ClientSecret": "not-a-secret-of-the-app"},
        {"SourceType": "ClientSecret", "ClientSecret": expired["value"]},
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "parameters.json", &p);
    let output = emulator.entrad().arg("run").arg(&file).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("AADSTS7000222"), "{stderr}");

    p["secret"] = json!("also");
    let file = write_json(dir.path(), "both.json", &p);
    let output = emulator.entrad().arg("run").arg(&file).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("keep one"), "{stderr}");
}
