//! `entrad run parameters.json` against the emulator over TLS: the quickstart, unchanged.

use crate::support::{Emulator, succeed, unique_ids};
use serde_json::Value;

#[test]
fn secret_variant_lists_every_user_as_one_graph_document() {
    let emulator = Emulator::start(250);
    let output = succeed(&mut emulator.run("parameters.json"));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        doc["@odata.context"]
            .as_str()
            .unwrap()
            .contains("$metadata#users")
    );
    assert!(doc.get("@odata.nextLink").is_none());
    assert_eq!(unique_ids(&output.stdout).len(), 250);
}

#[test]
fn certificate_variant_lists_every_user() {
    let emulator = Emulator::start(120);
    let parameters = emulator.parameters("parameters-certificate.json");
    assert!(parameters.get("thumbprint").is_some() && parameters.get("secret").is_none());
    let output = succeed(&mut emulator.run("parameters-certificate.json"));
    assert_eq!(unique_ids(&output.stdout).len(), 120);
}

#[test]
fn ten_thousand_users_each_listed_exactly_once() {
    let emulator = Emulator::start(10_000);
    let output = succeed(&mut emulator.run("parameters.json"));
    assert_eq!(unique_ids(&output.stdout).len(), 10_000);
}

#[test]
fn stdout_holds_only_data_even_when_verbose() {
    let emulator = Emulator::start(30);
    let output = succeed(
        emulator
            .entrad()
            .args(["-vv", "run"])
            .arg(emulator.file("parameters.json")),
    );
    assert_eq!(unique_ids(&output.stdout).len(), 30);
    assert!(!output.stderr.is_empty(), "-vv should log to stderr");
}

#[test]
fn the_demo_runs_both_flows_and_stops() {
    let output = crate::support::entrad()
        .args(["demo", "--users", "130"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(unique_ids(&output.stdout).len(), 130);
    assert!(stderr.contains("secret flow"), "{stderr}");
    assert!(stderr.contains("certificate flow"), "{stderr}");
    assert!(stderr.contains("adminconsent?client_id="), "{stderr}");
}

#[test]
fn instance_discovery_is_one_request_and_can_be_switched_off() {
    let emulator = Emulator::start(5);
    let discoveries = || emulator.stats().route("instance-discovery");
    succeed(&mut emulator.run("parameters.json"));
    assert_eq!(discoveries(), 1);
    let output = succeed(emulator.run("parameters.json").args([
        "--cache",
        "memory",
        "--no-instance-discovery",
    ]));
    assert_eq!(unique_ids(&output.stdout).len(), 5);
    assert_eq!(discoveries(), 1, "--no-instance-discovery still asked");
}
