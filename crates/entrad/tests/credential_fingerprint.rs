//! A token cached by one credential is not served to another (issue 26): a
//! mistyped rotated secret fails at once instead of when the cached token
//! expires. Each cached token records a fingerprint of the credential that
//! obtained it (never the secret), which `entrad token` shows.

use serde_json::Value;

use crate::support::{Emulator, stderr_of, succeed, write_json};

#[test]
fn a_wrong_secret_is_tried_before_the_cached_token_of_the_right_one_is_served() {
    let emulator = Emulator::start(1);
    let token_requests = || emulator.stats().route("token");
    let token = |cmd: &mut assert_cmd::Command| -> Value {
        serde_json::from_slice(&succeed(cmd.arg("token")).stdout).unwrap()
    };

    let first = token(&mut emulator.configured());
    let fingerprint = first["credential"].as_str().unwrap().to_owned();
    assert!(fingerprint.starts_with("secret:"), "{first}");
    assert_eq!(first["from_cache"], false);
    let again = token(&mut emulator.configured());
    assert_eq!(again["from_cache"], true);
    assert_eq!(again["credential"], fingerprint.as_str());
    assert_eq!(token_requests(), 1);

    let right = emulator.parameters("parameters.json");
    let secret = right["secret"].as_str().unwrap().to_owned();
    let cached = std::fs::read_to_string(emulator.cache_file()).unwrap();
    assert!(cached.contains(&format!("\"entrad_credential\": \"{fingerprint}\"")));
    assert!(
        !cached.contains(&secret),
        "the secret is never in the cache"
    );

    // The rotated secret, mistyped: asked for once, refused, said so.
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = right.clone();
    wrong["secret"] = Value::from(format!("{secret}x"));
    let wrong = write_json(dir.path(), "parameters.json", &wrong);
    let output = emulator
        .entrad()
        .arg("--config")
        .arg(&wrong)
        .args(["-v", "token"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert!(!output.status.success(), "served from the cache: {stderr}");
    assert!(
        stderr.contains("obtained with another credential"),
        "{stderr}"
    );
    assert!(stderr.contains("7000215"), "{stderr}");
    assert!(!stderr.contains(&secret), "{stderr}");
    assert_eq!(token_requests(), 2);

    // The right secret still finds its token.
    let after = token(&mut emulator.configured());
    assert_eq!(after["from_cache"], true);
    assert_eq!(after["credential"], fingerprint.as_str());
    assert_eq!(token_requests(), 2);
}

#[test]
fn a_certificate_is_named_by_its_thumbprint() {
    let emulator = Emulator::start(1);
    let parameters = emulator.parameters("parameters-certificate.json");
    let thumbprint = parameters["thumbprint"].as_str().unwrap().to_uppercase();
    let output = succeed(
        emulator
            .entrad()
            .arg("--config")
            .arg(emulator.file("parameters-certificate.json"))
            .arg("token"),
    );
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        info["credential"],
        format!("certificate:sha1:{thumbprint}").as_str()
    );
}
