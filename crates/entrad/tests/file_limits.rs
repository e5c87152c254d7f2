//! Files named by the configuration are read with a size bound and only when
//! they are regular files: a wrong path (`/dev/zero`, a FIFO nobody writes
//! to, a huge file) gets one line naming the file and what is wrong with it,
//! and exit code 2, instead of memory growing until the machine says no or a
//! wait that never ends. Each check comes before any network use.

use std::path::Path;
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
fn run_dev_zero_is_exit_2_as_not_a_regular_file() {
    exit_2_with_one_line(
        entrad().args(["run", "/dev/zero"]),
        &["/dev/zero", "a character device, not a regular file"],
    );
}

/// A FIFO at `dir/name` that nobody writes to: opening it to read blocks
/// until a writer comes, reading it until one writes.
#[cfg(unix)]
fn fifo(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    path
}

#[cfg(unix)]
#[test]
fn a_fifo_for_any_file_of_the_configuration_is_exit_2_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let authority_host = format!("https://{}", closed_address());
    let fifos = tempfile::tempdir().unwrap();
    let config = fifo(fifos.path(), "parameters.json");
    exit_2_with_one_line(
        entrad().arg("run").arg(&config),
        &["parameters.json", "a FIFO, not a regular file"],
    );

    let ca = fifo(fifos.path(), "ca.pem");
    let secret_parameters = write_json(
        dir.path(),
        "secret.json",
        &serde_json::json!({
            "authority": format!("{authority_host}/tenant"),
            "client_id": "00000000-0000-0000-0000-000000000001",
            "scope": ["https://graph.microsoft.com/.default"],
            "secret": "not-a-placeholder-secret",
            "endpoint": "https://graph.microsoft.com/v1.0/users",
        }),
    );
    exit_2_with_one_line(
        entrad()
            .arg("--ca-file")
            .arg(&ca)
            .arg("run")
            .arg(&secret_parameters),
        &["ca.pem", "a FIFO, not a regular file"],
    );

    let key = fifo(fifos.path(), "key.pem");
    exit_2_with_one_line(
        entrad()
            .arg("run")
            .arg(certificate_parameters(dir.path(), &key)),
        &["key.pem", "a FIFO, not a regular file"],
    );

    for (variable, name) in [
        ("AZURE_CLIENT_CERTIFICATE_PATH", "app.pfx"),
        ("AZURE_FEDERATED_TOKEN_FILE", "token"),
    ] {
        let file = fifo(fifos.path(), name);
        exit_2_with_one_line(
            entrad()
                .env("AZURE_TENANT_ID", "tenant")
                .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
                .env(variable, &file)
                .env("AZURE_AUTHORITY_HOST", &authority_host)
                .arg("token"),
            &[name, "a FIFO, not a regular file"],
        );
    }
}

/// A token cache that cannot be read is a store failure, not a stop: the job
/// goes on with the in-memory cache (as for a cache file over its limit).
#[cfg(unix)]
#[test]
fn a_fifo_for_the_token_cache_is_a_warning_and_the_job_goes_on() {
    use std::os::unix::fs::FileTypeExt as _;
    let emulator = crate::support::Emulator::start(1);
    let dir = tempfile::tempdir().unwrap();
    let cache = fifo(dir.path(), "cache.json");
    let output = emulator
        .configured()
        .env("ENTRAD_CACHE", format!("file:{}", cache.display()))
        .arg("token")
        .timeout(HUNG)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("a FIFO, not a regular file"), "{stderr}");
    assert!(
        std::fs::symlink_metadata(&cache)
            .unwrap()
            .file_type()
            .is_fifo()
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
        &["/dev/zero", "a character device, not a regular file"],
    );
}
