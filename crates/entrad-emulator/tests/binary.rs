//! The `entrad-emulator` binary: one ready line on stdout, files in the state
//! directory, clean exit on SIGTERM and SIGINT.

use std::process::Command;

use entrad_testkit::ChildEmulator;

fn run_until_signal(signal: &str) {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"));
    command
        .args(["--listen", "127.0.0.1:0", "--users", "7", "--state-dir"])
        .arg(dir.path())
        .args(["--fault", "users:latency:latency_ms=1"]);
    let state_dir = std::fs::canonicalize(dir.path()).unwrap();
    let emulator = ChildEmulator::spawn(command, Some(dir)).unwrap();
    let line = &emulator.ready.line;
    assert!(
        line.starts_with("{\"ready\":true,\"url\":\"https://127.0.0.1:"),
        "{line}"
    );
    assert_eq!(emulator.state_dir(), state_dir);
    assert_eq!(emulator.ca_file(), state_dir.join("ca.pem"));
    for name in [
        "ca.pem",
        "parameters.json",
        "parameters-certificate.json",
        "app-key.pem",
        "app-cert.pem",
        "state.json",
        "admin-token",
    ] {
        assert!(state_dir.join(name).exists(), "{name}");
    }
    assert_eq!(
        emulator.ready.admin_token.as_deref(),
        Some(
            std::fs::read_to_string(state_dir.join("admin-token"))
                .unwrap()
                .as_str()
        )
    );
    let stats = emulator.block_on(emulator.admin().stats()).unwrap();
    assert_eq!(stats.total(), 0);
    let faults = emulator.block_on(emulator.admin().faults()).unwrap();
    assert_eq!(faults["faults"][0]["kind"], "latency");
    let status = Command::new("kill")
        .args([signal, &emulator.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (exit, rest) = emulator.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert_eq!(rest, "", "exactly one line on stdout");
}

#[test]
fn ready_line_then_clean_exit_on_sigterm() {
    run_until_signal("-TERM");
}

#[test]
fn clean_exit_on_sigint() {
    run_until_signal("-INT");
}

#[test]
fn bad_flags_and_non_loopback_addresses_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"))
        .args(["--fault", "users:418"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kind"));
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"))
        .args(["--listen", "0.0.0.0:0", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
    let help = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    assert!(
        help.contains("[default: 100]")
            && help.contains("--in-memory")
            && help.contains("--users-file")
    );
}

#[test]
fn no_admin_token_opens_the_admin_api_and_says_null_in_the_ready_line() {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"));
    command
        .args(["--listen", "127.0.0.1:0", "--users", "1", "--in-memory"])
        .arg("--state-dir")
        .arg(dir.path())
        .arg("--no-admin-token");
    let emulator = ChildEmulator::spawn(command, Some(dir)).unwrap();
    assert!(
        emulator.ready.line.contains("\"admin_token\":null"),
        "{}",
        emulator.ready.line
    );
    assert_eq!(emulator.ready.admin_token, None);
    // The admin client sends no Authorization header without a token.
    let stats = emulator.block_on(emulator.admin().stats()).unwrap();
    assert_eq!(stats.total(), 0);
}

#[test]
fn tenants_are_listed_in_the_ready_line_and_keep_their_changes_across_restarts() {
    let dir = entrad_testkit::state_dir().unwrap();
    let start = |dir: &std::path::Path| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"));
        command
            .args(["--listen", "127.0.0.1:0", "--users", "5", "--tenants", "3"])
            .arg("--state-dir")
            .arg(dir);
        ChildEmulator::spawn(command, None).unwrap()
    };
    let mut first = start(dir.path());
    let tenants = first.tenants().to_vec();
    assert_eq!(tenants.len(), 3, "{}", first.ready.line);
    assert_eq!(tenants[1].domain, "entrademo2.onmicrosoft.com");
    let upn = format!("kept@{}", tenants[2].domain);
    let path = format!("/users/{upn}?tenant={}", tenants[2].tenant_id);
    let body = serde_json::json!({ "userPrincipalName": upn });
    let added = first.block_on(first.admin().request(
        reqwest::Method::POST,
        &format!("/users?tenant={}", tenants[2].domain),
        Some(&body),
    ));
    assert_eq!(added.unwrap().status, 201);
    first.kill();
    drop(first);

    let second = start(dir.path());
    assert_eq!(
        second.tenants(),
        tenants.as_slice(),
        "the same tenants again"
    );
    let kept = second.block_on(second.admin().request(reqwest::Method::GET, &path, None));
    assert_eq!(kept.unwrap().status, 200);
    let elsewhere = format!("/users/{upn}?tenant={}", tenants[1].tenant_id);
    let other = second.block_on(
        second
            .admin()
            .request(reqwest::Method::GET, &elsewhere, None),
    );
    assert_eq!(other.unwrap().status, 404);

    let refused = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"))
        .args(["--tenants", "0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
