//! Under systemd: the credential files of `$CREDENTIALS_DIRECTORY`
//! (`LoadCredential=`) configure the real binary against the real emulator, and
//! the example units in `examples/systemd/` load exactly those files.

use std::path::Path;

use entrad_emulator::APP_PFX_PASSWORD;

use super::support::{Emulator, stderr_of, succeed, unique_ids};

#[test]
fn a_client_secret_from_the_credentials_directory_lists_users() {
    let emulator = Emulator::start(9);
    let p = emulator.parameters("parameters.json");
    let credentials = tempfile::tempdir().unwrap();
    let secret = p["secret"].as_str().unwrap();
    // As systemd writes it from a file that ends with a newline.
    std::fs::write(
        credentials.path().join("client-secret"),
        format!("{secret}\n"),
    )
    .unwrap();

    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env("CREDENTIALS_DIRECTORY", credentials.path())
            .args(["-vv", "users", "--top", "4"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 9);
    assert!(!stderr_of(&output).contains(secret), "the secret leaked");

    // The same command without the directory has no secret: the credential chain
    // finds nothing usable (IMDS is a closed loopback port in tests) and no user is listed.
    let output = emulator
        .configured_by_environment(&p)
        .args(["users"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "{}", stderr_of(&output));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_pfx_and_its_password_from_the_credentials_directory_list_users() {
    let emulator = Emulator::start(6);
    let p = emulator.parameters("parameters.json");
    let credentials = tempfile::tempdir().unwrap();
    std::fs::copy(
        emulator.file("app-cert.pfx"),
        credentials.path().join("client-certificate"),
    )
    .unwrap();
    std::fs::write(
        credentials.path().join("client-certificate-password"),
        APP_PFX_PASSWORD,
    )
    .unwrap();

    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env("CREDENTIALS_DIRECTORY", credentials.path())
            .args(["users"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 6);
}

#[test]
fn an_empty_credential_file_is_exit_2_naming_it() {
    let emulator = Emulator::start(1);
    let p = emulator.parameters("parameters.json");
    let credentials = tempfile::tempdir().unwrap();
    std::fs::write(credentials.path().join("client-secret"), "").unwrap();
    let output = emulator
        .configured_by_environment(&p)
        .env("CREDENTIALS_DIRECTORY", credentials.path())
        .args(["users"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("client-secret") && stderr.contains("CREDENTIALS_DIRECTORY"),
        "{stderr}"
    );
}

#[test]
fn the_example_units_load_the_credentials_entrad_reads() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/systemd");
    let mut units = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "service") {
            continue;
        }
        units += 1;
        let unit = std::fs::read_to_string(&path).unwrap();
        let loaded: Vec<&str> = unit
            .lines()
            .filter_map(|l| l.strip_prefix("LoadCredential="))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert!(!loaded.is_empty(), "{}: no LoadCredential=", path.display());
        for name in loaded {
            assert!(
                [
                    "client-secret",
                    "client-certificate",
                    "client-certificate-password"
                ]
                .contains(&name),
                "{}: entrad does not read a credential named {name}",
                path.display()
            );
        }
        for hardening in ["DynamicUser=yes", "ProtectSystem=strict"] {
            assert!(
                unit.contains(hardening),
                "{}: no {hardening}",
                path.display()
            );
        }
    }
    assert!(units >= 2, "the sync and serve examples");
}
