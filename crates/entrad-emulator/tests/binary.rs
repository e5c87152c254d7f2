//! The `entrad-emulator` binary: one ready line on stdout, files in the state
//! directory, clean exit on SIGTERM and SIGINT.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

fn run_until_signal(signal: &str) {
    let dir = common::state_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"))
        .args(["--listen", "127.0.0.1:0", "--users", "7", "--state-dir"])
        .arg(dir.path())
        .args(["--fault", "users:latency:latency_ms=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("{\"ready\":true,\"url\":\"https://127.0.0.1:"),
        "{line}"
    );
    let ready: Value = serde_json::from_str(&line).unwrap();
    let state_dir = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(ready["state_dir"], state_dir.display().to_string());
    assert_eq!(
        ready["ca_file"],
        state_dir.join("ca.pem").display().to_string()
    );
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
        ready["admin_token"],
        std::fs::read_to_string(state_dir.join("admin-token")).unwrap()
    );
    let url = ready["url"].as_str().unwrap().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = common::client_for(&state_dir.join("ca.pem"));
        let token = ready["admin_token"].as_str().unwrap();
        let stats = common::json_of(
            client
                .get(format!("{url}/_emulator/stats"))
                .bearer_auth(token),
        )
        .await;
        assert_eq!(stats["total"], 0);
        let faults = common::json_of(
            client
                .get(format!("{url}/_emulator/faults"))
                .bearer_auth(token),
        )
        .await;
        assert_eq!(faults["faults"][0]["kind"], "latency");
    });
    // Close the client's connections first: an HTTP/2 client that is no longer polled
    // would hold the server's graceful shutdown until its drain timeout.
    drop(runtime);
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
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
    let dir = common::state_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_entrad-emulator"))
        .args(["--listen", "127.0.0.1:0", "--users", "1", "--in-memory"])
        .arg("--state-dir")
        .arg(dir.path())
        .arg("--no-admin-token")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(ready["admin_token"], Value::Null, "{line}");
    let url = ready["url"].as_str().unwrap().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        let client = common::client_for(&dir.path().join("ca.pem"));
        let response = client
            .get(format!("{url}/_emulator/stats"))
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    });
    drop(runtime);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
}
