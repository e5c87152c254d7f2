//! `entrad` on an Azure host, holding no secret: `--managed-identity` (and
//! `managed_identity` in parameters.json) for every source the emulator
//! serves, system- and user-assigned; the credential chain, the default
//! when nothing is configured, naming the source that served (`-v`,
//! `entrad token`); off Azure, one line with every reason. IMDS is the
//! emulator or a closed loopback port (support.rs sets it for every test).

use entrad_testkit::{SYSTEM_ASSIGNED, USER_ASSIGNED};
use serde_json::{Value, json};

use crate::support::{Emulator, stderr_of, succeed, unique_ids, write_json};

const SOURCES: [(&str, &str, bool); 6] = [
    ("imds", "IMDS", true),
    ("app-service", "App Service", true),
    ("arc", "Azure Arc", true),
    ("machine-learning", "Machine Learning", true),
    ("service-fabric", "Service Fabric", false),
    ("cloud-shell", "Cloud Shell", false),
];

fn token_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn every_source_lists_users_with_system_and_user_assigned_identities() {
    let emulator = Emulator::start(12);
    for (source, name, has_user_assigned) in SOURCES {
        let output =
            succeed(
                emulator
                    .on_host(source)
                    .args(["users", "--managed-identity", "system"]),
            );
        assert_eq!(unique_ids(&output.stdout).len(), 12, "{source}");
        let token = token_json(&succeed(emulator.on_host(source).args([
            "token",
            "--managed-identity",
            "system",
        ])));
        assert_eq!(
            token["source"],
            format!("managed identity ({name}, system-assigned)")
        );
        assert_eq!(token["claims"]["appid"], SYSTEM_ASSIGNED.client_id);
        assert!(token.get("access_token").is_none());
        if has_user_assigned {
            for identity in [
                format!("client-id:{}", USER_ASSIGNED.client_id),
                format!("object-id:{}", USER_ASSIGNED.object_id),
                format!("resource-id:{}", USER_ASSIGNED.resource_id),
            ] {
                let output = succeed(emulator.on_host(source).args([
                    "-v",
                    "users",
                    "--managed-identity",
                    &identity,
                ]));
                assert_eq!(unique_ids(&output.stdout).len(), 12, "{source} {identity}");
                let kind = identity.split(':').next().unwrap().replace('-', " ");
                assert!(
                    stderr_of(&output).contains(&format!(
                        "tokens from managed identity ({name}, user-assigned {kind} "
                    )),
                    "{source}: {}",
                    stderr_of(&output)
                );
                // The token itself says whose it is, not only the log line
                // built from the configuration.
                let token = token_json(&succeed(emulator.on_host(source).args([
                    "token",
                    "--managed-identity",
                    &identity,
                ])));
                assert_eq!(
                    token["claims"]["appid"], USER_ASSIGNED.client_id,
                    "{source} {identity}"
                );
                assert_eq!(
                    token["claims"]["xms_mirid"], USER_ASSIGNED.resource_id,
                    "{source} {identity}"
                );
            }
        }
    }
}

#[test]
fn parameters_json_names_a_managed_identity_instead_of_a_secret() {
    let emulator = Emulator::start(5);
    let p = emulator.parameters("parameters.json");
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(
        dir.path(),
        "parameters.json",
        &json!({
            "managed_identity": format!("client-id:{}", USER_ASSIGNED.client_id),
            "scope": p["scope"],
            "endpoint": p["endpoint"],
        }),
    );
    let output = succeed(emulator.on_host("app-service").arg("run").arg(&file));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["value"].as_array().unwrap().len(), 5);

    // With a secret too, the file is ambiguous: exit 2, one line.
    let both = write_json(
        dir.path(),
        "both.json",
        &json!({"managed_identity": "system", "secret": "s", "endpoint": p["endpoint"]}),
    );
    let output = emulator
        .on_host("imds")
        .arg("run")
        .arg(&both)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("has both `managed_identity` and a credential"),
        "{stderr}"
    );
}

#[test]
fn the_chain_is_the_default_and_names_the_source_that_served() {
    let emulator = Emulator::start(3);
    let p = emulator.parameters("parameters.json");
    for (source, name) in [("imds", "IMDS"), ("app-service", "App Service")] {
        let output = succeed(emulator.on_host(source).args(["-v", "users"]));
        assert_eq!(unique_ids(&output.stdout).len(), 3);
        assert!(
            stderr_of(&output).contains(&format!(
                "tokens from credential chain: managed identity ({name}, system-assigned)"
            )),
            "{}",
            stderr_of(&output)
        );
    }
    // The environment's secret comes first, by `--credential chain` too.
    let token = token_json(&succeed(
        emulator
            .configured_by_environment(&p)
            .envs(emulator.on_host_env("imds"))
            .env("AZURE_CLIENT_SECRET", p["secret"].as_str().unwrap())
            .args(["--credential", "chain", "token"]),
    ));
    assert_eq!(token["source"], "credential chain: client secret");
    assert_eq!(token["claims"]["appid"], p["client_id"]);
}

#[test]
fn off_azure_one_line_lists_every_reason_and_is_exit_3() {
    let emulator = Emulator::start(1);
    let empty = tempfile::tempdir().unwrap();
    let output = emulator
        .entrad()
        .env("PATH", empty.path())
        .args(["--graph-url", emulator.url(), "users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for reason in [
        "environment: neither AZURE_CLIENT_SECRET nor AZURE_CLIENT_CERTIFICATE_PATH is set",
        "workload identity: AZURE_FEDERATED_TOKEN_FILE is not set",
        "managed identity: network error: IMDS",
        "Azure CLI: az is not installed",
    ] {
        assert!(stderr.contains(reason), "{reason:?} missing: {stderr}");
    }
}

#[test]
fn managed_identity_errors_are_one_line_with_their_exit_codes() {
    let emulator = Emulator::start(1);
    // Unreachable IMDS: 5 (-q: the retry loop's warning aside).
    let output = emulator
        .entrad()
        .args(["-q", "--graph-url", emulator.url(), "--max-attempts", "1"])
        .args(["users", "--managed-identity", "system"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    // A wrong App Service header: 3, and the header never shows.
    let header = emulator
        .on_host_env("app-service")
        .into_iter()
        .find(|(k, _)| k == "IDENTITY_HEADER")
        .unwrap()
        .1;
    let wrong = format!("{header}x");
    let output = emulator
        .on_host("app-service")
        .env("IDENTITY_HEADER", &wrong)
        .args(["users", "--managed-identity", "system"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains(&header), "{stderr}");
    // Not an identity: 2.
    let output = emulator
        .on_host("imds")
        .args(["users", "--managed-identity", "client:abc"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--managed-identity"), "{stderr}");
    assert!(stderr.contains("client-id:ID"), "{stderr}");
}
