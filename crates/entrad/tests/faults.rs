//! Throttling and outages injected in the emulator: the run still lists every user exactly once.

mod common;

use common::{Emulator, succeed, unique_ids};
use reqwest::Method;
use serde_json::json;

#[test]
fn injected_429_and_503_still_list_every_user_once() {
    let emulator = Emulator::start(1_000);
    // Faults hit consecutive requests; at most three in a row leaves the
    // fourth attempt of the default retry policy to succeed.
    for fault in [
        json!({"route": "users", "kind": "429", "retry_after": 1, "count": 2}),
        json!({"route": "users", "kind": "503", "retry_after": 1, "count": 1}),
        json!({"route": "token", "kind": "503", "retry_after": 1, "count": 1}),
    ] {
        emulator.admin(Method::POST, "/_emulator/faults", Some(fault));
    }
    emulator.admin(Method::POST, "/_emulator/stats/reset", None);
    let output = succeed(&mut emulator.run("parameters.json"));
    assert_eq!(unique_ids(&output.stdout).len(), 1_000);
    let stats = emulator.admin(Method::GET, "/_emulator/stats", None);
    // 10 pages of 100, plus the three refused attempts.
    assert!(
        stats["requests"]["users"].as_u64().unwrap() >= 13,
        "{stats}"
    );
}

#[test]
fn injected_faults_while_paging_users_with_top() {
    let emulator = Emulator::start(600);
    emulator.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"route": "users", "kind": "429", "retry_after": 1, "count": 1})),
    );
    emulator.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"route": "users", "kind": "504", "retry_after": 1, "count": 1})),
    );
    let output = succeed(
        emulator
            .configured()
            .args(["users", "--top", "50", "--format", "ndjson"]),
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let ids: std::collections::HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 600);
    assert_eq!(text.lines().count(), 600);
}
