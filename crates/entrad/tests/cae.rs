//! Continuous access evaluation from the command line: `--client-capabilities cp1`
//! (or `client_capabilities` in parameters.json) gets day-long tokens with `xms_cc`;
//! after an event, the next `entrad` process sharing the file cache is
//! challenged by Graph and answers with one token request.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

fn token_claims(output: &std::process::Output) -> (Value, u64) {
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    (info["claims"].clone(), info["expires_in"].as_u64().unwrap())
}

#[test]
fn the_flag_declares_cp1_and_the_token_lives_a_day() {
    let emu = Emulator::start(3);
    let out = succeed(emu.configured().env("ENTRAD_CACHE", "memory").args([
        "--client-capabilities",
        "cp1",
        "token",
    ]));
    let (claims, expires_in) = token_claims(&out);
    assert_eq!(claims["xms_cc"], serde_json::json!(["cp1"]));
    assert!(expires_in > 23 * 3600, "{expires_in}");
    let out = succeed(emu.configured().env("ENTRAD_CACHE", "memory").arg("token"));
    let (claims, expires_in) = token_claims(&out);
    assert_eq!(claims["xms_cc"], Value::Null);
    assert!(expires_in < 3600, "{expires_in}");
}

#[test]
fn a_later_process_answers_the_claims_challenge_with_one_token_request() {
    let emu = Emulator::start(120);
    let dir = tempfile::tempdir().unwrap();
    let mut parameters = emu.parameters("parameters.json");
    parameters["client_capabilities"] = serde_json::json!(["cp1"]);
    let client_id = parameters["client_id"].as_str().unwrap().to_owned();
    let file = write_json(dir.path(), "parameters.json", &parameters);
    let run = || {
        let out = succeed(emu.entrad().arg("run").arg(&file));
        assert_eq!(unique_ids(&out.stdout).len(), 120);
    };
    run();
    assert_eq!(emu.stats().route("token"), 1);
    // Issue times and events compare in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    emu.cae_event("location_policy_changed", Some(&client_id));
    // The cached day-long token is refused with a claims challenge: one token
    // request with the claims, and the listing completes.
    run();
    assert_eq!(emu.stats().route("token"), 2);
    assert_eq!(emu.cae_challenges(), (1, 1));
    // The new token replaced the old one in the shared file cache.
    run();
    assert_eq!(emu.stats().route("token"), 2);
    assert_eq!(emu.cae_challenges(), (1, 1));
}

#[test]
fn a_disabled_service_principal_is_an_authentication_error_naming_aadsts7000112() {
    let emu = Emulator::start(3);
    let client_id = emu.parameters("parameters.json")["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    succeed(
        emu.configured()
            .args(["--client-capabilities", "cp1", "users"]),
    );
    std::thread::sleep(Duration::from_millis(1100));
    emu.cae_event("service_principal_disabled", Some(&client_id));
    let out = emu
        .configured()
        .args(["--client-capabilities", "cp1", "users"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("AADSTS7000112"), "{stderr}");
    assert!(stderr.contains("service principal is disabled"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
