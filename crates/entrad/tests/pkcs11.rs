//! Keys that never leave hardware: a key pair generated inside the SoftHSM2
//! token that scripts/test initialises (never imported), its certificate signed
//! by the token and registered on the app through the emulator's admin API, and
//! `entrad` signing its client assertions with `C_Sign` (`--pkcs11-*`).

use entrad_testkit::SoftHsm;
use serde_json::Value;

use crate::support::{Emulator, stderr_of, succeed, unique_ids, write_json};

fn softhsm() -> SoftHsm {
    SoftHsm::from_env().unwrap_or_else(|e| panic!("{e}"))
}

/// A label no other test (or run) in the shared token uses.
fn unique_label(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("entrad-{what}-{}-{nanos}", std::process::id())
}

/// `entrad` with the app's ids from the environment and the token's key.
fn with_token_key(emulator: &Emulator, hsm: &SoftHsm, key: &str) -> assert_cmd::Command {
    let p = emulator.parameters("parameters.json");
    let mut cmd = emulator.configured_by_environment(&p);
    cmd.arg("--pkcs11-module").arg(&hsm.module).args([
        "--pkcs11-token",
        &hsm.token,
        "--pkcs11-key",
        key,
    ]);
    cmd
}

fn register(emulator: &Emulator, pem: &str) -> String {
    let p = emulator.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap();
    let child = emulator.child();
    child
        .block_on(child.admin().add_certificate(client_id, pem))
        .unwrap()
}

#[test]
fn a_key_generated_in_the_token_lists_every_user_and_never_leaves_it() {
    let hsm = softhsm();
    let label = unique_label("users");
    let key = hsm.generate_key(&label, 365).unwrap();
    let flags = hsm.key_flags(&label).unwrap();
    assert!(!flags.extractable, "CKA_EXTRACTABLE must be false");
    assert!(flags.sensitive, "CKA_SENSITIVE must be true");
    assert!(
        flags.never_extractable,
        "CKA_NEVER_EXTRACTABLE must be true"
    );

    let emulator = Emulator::start(25);
    let thumbprint = register(&emulator, &key.certificate_pem);
    let output = succeed(
        with_token_key(&emulator, &hsm, &label)
            .env("ENTRAD_PKCS11_PIN", &hsm.pin)
            .args(["--cache", "memory", "users", "--top", "7"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 25);
    assert!(!stderr_of(&output).contains(&hsm.pin));

    // `entrad token` says where the key is; the key named by its id, the PIN from a file.
    let dir = tempfile::tempdir().unwrap();
    let pin_file = dir.path().join("pin");
    std::fs::write(&pin_file, format!("{}\n", hsm.pin)).unwrap();
    let output = succeed(
        with_token_key(&emulator, &hsm, &format!("id:{}", key.id_hex))
            .arg("--pkcs11-pin-file")
            .arg(&pin_file)
            .args(["--cache", "memory", "token"]),
    );
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    let held = info["key"].as_str().unwrap();
    assert!(held.starts_with("hardware-held (PKCS#11 token"), "{held}");
    assert!(
        held.contains(&hsm.token) && held.contains(&key.id_hex),
        "{held}"
    );
    assert_eq!(
        info["claims"]["appid"],
        emulator.parameters("parameters.json")["client_id"]
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr_of(&output)
    );
    assert!(!all.contains(&hsm.pin), "the PIN leaked");

    // The same key from parameters.json's ClientCredentials, PIN from a file.
    let mut p = emulator.parameters("parameters.json");
    p.as_object_mut().unwrap().remove("secret");
    p["ClientCredentials"] = serde_json::json!([{
        "SourceType": "Pkcs11",
        "Pkcs11Module": hsm.module,
        "Pkcs11Token": hsm.token,
        "Pkcs11Key": label,
        "Pkcs11PinFile": pin_file,
    }]);
    let file = write_json(dir.path(), "parameters.json", &p);
    let output = succeed(emulator.entrad().arg("run").arg(&file));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["value"].as_array().map(Vec::len), Some(25));

    // The emulator checked the token's signature against this certificate:
    // once it is removed from the app, the same key is refused.
    let p = emulator.parameters("parameters.json");
    let child = emulator.child();
    child
        .block_on(
            child
                .admin()
                .remove_certificate(p["client_id"].as_str().unwrap(), &thumbprint),
        )
        .unwrap();
    let output = with_token_key(&emulator, &hsm, &label)
        .env("ENTRAD_PKCS11_PIN", &hsm.pin)
        .args(["--cache", "memory", "users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("AADSTS700027"), "{stderr}");
}

#[test]
fn a_wrong_pin_or_key_is_exit_2_before_any_request_and_the_pin_is_never_printed() {
    let hsm = softhsm();
    let label = unique_label("pin");
    hsm.generate_key(&label, 365).unwrap();
    let emulator = Emulator::start(1);
    emulator.reset_stats();
    let wrong_pin = "wrong-pin-31337";
    let output = with_token_key(&emulator, &hsm, &label)
        .env("ENTRAD_PKCS11_PIN", wrong_pin)
        .args(["users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("PIN"), "{stderr}");
    assert!(!stderr.contains(wrong_pin), "{stderr}");

    let output = with_token_key(&emulator, &hsm, "no-such-key")
        .env("ENTRAD_PKCS11_PIN", &hsm.pin)
        .args(["users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no private key \"no-such-key\""),
        "{stderr}"
    );

    let output = with_token_key(&emulator, &hsm, &label)
        .args(["users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ENTRAD_PKCS11_PIN"), "{stderr}");
    assert_eq!(
        emulator.stats().route("token"),
        0,
        "no token request was sent"
    );
}
