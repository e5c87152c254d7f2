//! A PKCS#12/PFX certificate (the emulator's `app-cert.pfx`, AES-256 + HMAC-SHA256),
//! from AZURE_CLIENT_CERTIFICATE_PATH + AZURE_CLIENT_CERTIFICATE_PASSWORD and from
//! `--certificate` + `--certificate-password`.

use std::process::Output;

use crate::support::{Emulator, stderr_of, succeed, unique_ids};
use entrad_emulator::APP_PFX_PASSWORD;

/// A wrong password: exit 2, one line naming the file and the fix, never the password.
fn assert_wrong_password(output: &Output, origin: &str, password: &str) {
    let stderr = stderr_of(output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains(origin), "{stderr}");
    assert!(stderr.contains("app-cert.pfx"), "{stderr}");
    assert!(stderr.contains("the password is wrong"), "{stderr}");
    assert!(
        stderr.contains(
            "check the password (--certificate-password or AZURE_CLIENT_CERTIFICATE_PASSWORD)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(password), "the password leaked: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn a_pfx_from_the_environment_lists_every_user_and_a_wrong_password_is_exit_2() {
    let emulator = Emulator::start(25);
    let p = emulator.parameters("parameters.json");
    let pfx = emulator.file("app-cert.pfx");
    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env("AZURE_CLIENT_CERTIFICATE_PATH", &pfx)
            .env("AZURE_CLIENT_CERTIFICATE_PASSWORD", APP_PFX_PASSWORD)
            .args(["users", "--top", "10"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 25);

    let wrong = "Wr0ng-pfx-passw0rd";
    let output = emulator
        .configured_by_environment(&p)
        .env("AZURE_CLIENT_CERTIFICATE_PATH", &pfx)
        .env("AZURE_CLIENT_CERTIFICATE_PASSWORD", wrong)
        .args(["--cache", "memory", "users"])
        .output()
        .unwrap();
    assert_wrong_password(&output, "AZURE_CLIENT_CERTIFICATE_PATH", wrong);
}

#[test]
fn a_pfx_from_flags_lists_every_user_and_a_wrong_password_is_exit_2() {
    let emulator = Emulator::start(12);
    let p = emulator.parameters("parameters.json");
    let pfx = emulator.file("app-cert.pfx");
    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .arg("--certificate")
            .arg(&pfx)
            .args(["--certificate-password", APP_PFX_PASSWORD, "users"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 12);

    let wrong = "an0ther-Wrong-one";
    let output = emulator
        .configured_by_environment(&p)
        .arg("--certificate")
        .arg(&pfx)
        .args([
            "--certificate-password",
            wrong,
            "--cache",
            "memory",
            "users",
        ])
        .output()
        .unwrap();
    assert_wrong_password(&output, "--certificate", wrong);

    // No password at all: the message says how to give one.
    let output = emulator
        .configured_by_environment(&p)
        .arg("--certificate")
        .arg(&pfx)
        .args(["--cache", "memory", "users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no password was given: set AZURE_CLIENT_CERTIFICATE_PASSWORD or pass --certificate-password"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
