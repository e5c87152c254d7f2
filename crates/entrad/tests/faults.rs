//! Throttling and outages injected in the emulator: the run still lists every user exactly once.

use crate::support::{Emulator, succeed, unique_ids};
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
        emulator.add_fault(fault);
    }
    emulator.reset_stats();
    let output = succeed(&mut emulator.run("parameters.json"));
    assert_eq!(unique_ids(&output.stdout).len(), 1_000);
    let stats = emulator.stats();
    // Every injected fault fired: the run did not list the users around them.
    assert_eq!(stats.faults(), 4, "{:?}", stats.0);
    // 10 pages of 100, plus the three refused attempts.
    assert!(stats.route("users") >= 13, "{:?}", stats.0);
}

#[test]
fn injected_faults_while_paging_users_with_top() {
    let emulator = Emulator::start(600);
    emulator.add_fault(json!({"route": "users", "kind": "429", "retry_after": 1, "count": 1}));
    emulator.add_fault(json!({"route": "users", "kind": "504", "retry_after": 1, "count": 1}));
    emulator.reset_stats();
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
    // Both faults fired: the listing retried through them.
    let stats = emulator.stats();
    assert_eq!(stats.faults(), 2, "{:?}", stats.0);
    // 12 pages of 50, plus the two refused attempts.
    assert!(stats.route("users") >= 14, "{:?}", stats.0);
}
