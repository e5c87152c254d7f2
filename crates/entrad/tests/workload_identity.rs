//! Workload identity: `AZURE_FEDERATED_TOKEN_FILE` (with AZURE_AUTHORITY_HOST,
//! AZURE_TENANT_ID, AZURE_CLIENT_ID) against the emulator acting as the cluster's OIDC
//! issuer. That the file is re-read for every token request is entrad-auth's unit test
//! `assertion_file_is_read_on_every_request`; a CLI process asks for one token.

use crate::support::{Emulator, stderr_of, succeed, unique_ids};

/// The service account the emulator's consented app trusts.
const SUBJECT: &str = "system:serviceaccount:default:entrad";

#[test]
fn a_federated_token_file_lists_every_user_then_a_wrong_subject_is_exit_3() {
    let emulator = Emulator::start(30);
    let p = emulator.parameters("parameters.json");
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, emulator.federated_token(SUBJECT)).unwrap();
    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env("AZURE_FEDERATED_TOKEN_FILE", &token_file)
            .args(["users", "--top", "7"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 30);

    // The platform rewrites the file, now for another service account; a fresh
    // process with no cached token must exchange it, and Entra refuses.
    let wrong = emulator.federated_token("system:serviceaccount:default:other");
    std::fs::write(&token_file, &wrong).unwrap();
    let output = emulator
        .configured_by_environment(&p)
        .env("AZURE_FEDERATED_TOKEN_FILE", &token_file)
        .args(["--cache", "memory", "users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("AADSTS700213"), "{stderr}");
    assert!(
        stderr.contains("system:serviceaccount:default:other"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: no federated credential of the app has the token's subject"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains(&wrong), "the assertion leaked: {stderr}");
}

#[test]
fn the_token_file_of_the_state_directory_works_as_is() {
    let emulator = Emulator::start(4);
    let p = emulator.parameters("parameters.json");
    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env(
                "AZURE_FEDERATED_TOKEN_FILE",
                emulator.file("federated-token.jwt"),
            )
            .args(["--cache", "memory", "users"]),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 4);
}

#[test]
fn a_missing_token_file_is_exit_2_naming_the_variable() {
    let emulator = Emulator::start(1);
    let p = emulator.parameters("parameters.json");
    let missing = emulator.file("no-such-token");
    let output = emulator
        .configured_by_environment(&p)
        .env("AZURE_FEDERATED_TOKEN_FILE", &missing)
        .args(["users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot read AZURE_FEDERATED_TOKEN_FILE ({})",
            missing.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
