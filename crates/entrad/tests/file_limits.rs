//! Files named by the configuration are read with a size bound: a wrong path
//! (`/dev/zero`, a FIFO fed forever, a huge file) gets one line naming the
//! file and the limit, and exit code 2, instead of memory growing until the
//! machine says no. Each check stops at the bound, before any network use.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::{closed_address, entrad, stderr_of, write_json};
use assert_cmd::Command;

/// Stops a hung `entrad` (the bug this guards against) instead of the test run.
const HUNG: Duration = Duration::from_secs(60);

fn exit_2_with_one_line(cmd: &mut Command, needles: &[&str]) {
    let output = cmd.timeout(HUNG).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
}

/// A parameters file (certificate variant) whose key is `key`.
fn certificate_parameters(dir: &Path, key: &Path) -> std::path::PathBuf {
    write_json(
        dir,
        "parameters.json",
        &serde_json::json!({
            "authority": format!("https://{}/tenant", closed_address()),
            "client_id": "00000000-0000-0000-0000-000000000001",
            "scope": ["https://graph.microsoft.com/.default"],
            "thumbprint": "AB".repeat(20),
            "private_key_file": key,
            "endpoint": "https://graph.microsoft.com/v1.0/users",
        }),
    )
}

#[cfg(unix)]
#[test]
fn run_dev_zero_is_exit_2_at_the_config_limit() {
    exit_2_with_one_line(
        entrad().args(["run", "/dev/zero"]),
        &["/dev/zero", "larger than the limit of 1 MiB"],
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_fed_forever_is_refused_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("parameters.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let path = fifo.clone();
    let opened = Arc::new(AtomicBool::new(false));
    let feeding = opened.clone();
    // Writes until entrad closes its end (the write then fails).
    let feeder = std::thread::spawn(move || {
        use std::io::Write as _;
        let mut pipe = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        feeding.store(true, Ordering::SeqCst);
        while pipe.write_all(&[b' '; 8192]).is_ok() {}
    });
    let output = entrad()
        .arg("run")
        .arg(&fifo)
        .timeout(HUNG)
        .output()
        .unwrap();
    if !opened.load(Ordering::SeqCst) {
        // entrad never opened the FIFO: open it here so the feeder's open returns.
        drop(std::fs::File::open(&fifo).unwrap());
    }
    feeder.join().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("larger than the limit of 1 MiB"),
        "{stderr}"
    );
}

#[test]
fn an_oversized_private_key_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let mut pem = b"-----BEGIN PRIVATE KEY-----\n".to_vec();
    pem.resize(1024 * 1024 + 1, b'A');
    std::fs::write(&key, pem).unwrap();
    let parameters = certificate_parameters(dir.path(), &key);
    exit_2_with_one_line(
        entrad().arg("run").arg(&parameters),
        &["key.pem", "larger than the limit of 1 MiB"],
    );
}

#[test]
fn an_oversized_certificate_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let pfx = dir.path().join("app.pfx");
    std::fs::write(&pfx, vec![0x30; 2 * 1024 * 1024]).unwrap();
    exit_2_with_one_line(
        entrad()
            .env("AZURE_TENANT_ID", "tenant")
            .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
            .env("AZURE_CLIENT_CERTIFICATE_PATH", &pfx)
            .env(
                "AZURE_AUTHORITY_HOST",
                format!("https://{}", closed_address()),
            )
            .arg("token"),
        &["app.pfx", "larger than the limit of 1 MiB"],
    );
}

#[test]
fn an_oversized_federated_token_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, vec![b'e'; 64 * 1024 + 1]).unwrap();
    exit_2_with_one_line(
        entrad()
            .env("AZURE_TENANT_ID", "tenant")
            .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
            .env("AZURE_FEDERATED_TOKEN_FILE", &token)
            .env(
                "AZURE_AUTHORITY_HOST",
                format!("https://{}", closed_address()),
            )
            .arg("token"),
        &["token", "larger than the limit of 64 KiB"],
    );
}

#[cfg(unix)]
#[test]
fn a_ca_file_of_dev_zero_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let parameters = write_json(
        dir.path(),
        "parameters.json",
        &serde_json::json!({
            "authority": format!("https://{}/tenant", closed_address()),
            "client_id": "00000000-0000-0000-0000-000000000001",
            "scope": ["https://graph.microsoft.com/.default"],
            "secret": "not-a-placeholder-secret",
            "endpoint": "https://graph.microsoft.com/v1.0/users",
        }),
    );
    exit_2_with_one_line(
        entrad()
            .args(["--ca-file", "/dev/zero", "run"])
            .arg(&parameters),
        &["/dev/zero", "larger than the limit of 1 MiB"],
    );
}
