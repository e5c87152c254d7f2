//! A reader that goes away (`| head`) is not a failure: exit 0, nothing on stderr.

use std::process::Stdio;

use crate::support::{Emulator, entrad_process};

/// Runs `cmd` with its stdout a pipe whose reading end is closed before
/// anything is written: every write meets a closed pipe.
fn with_closed_stdout(mut cmd: std::process::Command) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn configured(emulator: &Emulator, args: &[&str]) -> std::process::Command {
    let mut cmd = entrad_process();
    cmd.arg("--ca-file")
        .arg(emulator.ca_file())
        .arg("--config")
        .arg(emulator.file("parameters.json"))
        .args(args);
    cmd
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let emulator = Emulator::start(300);
    let first_user = {
        let output = configured(&emulator, &["users", "--limit", "1", "--select", "id"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        doc["value"][0]["id"].as_str().unwrap().to_owned()
    };
    let user = format!("v1.0/users/{first_user}");
    let commands: Vec<Vec<&str>> = vec![
        vec!["token"],
        vec!["token", "--only"],
        vec!["token", "--format", "table"],
        vec!["users"],
        vec!["users", "--format", "ndjson"],
        vec!["users", "--format", "csv"],
        vec!["users", "--format", "table"],
        vec!["get", &user],
        vec!["get", &user, "--format", "table"],
    ];
    for args in commands {
        let output = with_closed_stdout(configured(&emulator, &args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    // Commands that take no --ca-file.
    let config = emulator.file("parameters.json");
    let config = config.to_str().unwrap();
    for args in [
        &["completions", "bash"][..],
        &["man"],
        &["consent-url", "--config", config],
    ] {
        let mut cmd = entrad_process();
        cmd.args(args);
        let output = with_closed_stdout(cmd);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
