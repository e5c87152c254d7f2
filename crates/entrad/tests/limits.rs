//! `--limit` (how many items), `--page-size` (how many per request) and
//! `get --no-paginate` (one page), counted on the emulator's side.

use serde_json::Value;

use crate::support::{Emulator, stderr_of, succeed};

fn lines(output: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn limit_stops_after_n_items_and_asks_for_no_page_past_them() {
    let emulator = Emulator::start(300);
    let pages_for = |args: &[&str]| {
        emulator.reset_stats();
        let output = succeed(
            emulator
                .configured()
                .args(["users", "--format", "ndjson"])
                .args(args),
        );
        (lines(&output).len(), emulator.stats().route("users"))
    };
    // Below the page size: one page of 5 ($top=5).
    assert_eq!(pages_for(&["--limit", "5"]), (5, 1));
    // Pages of 50: the third holds the 120th user, the fourth is never asked for.
    assert_eq!(
        pages_for(&["--limit", "120", "--page-size", "50"]),
        (120, 3)
    );
    // A limit past the directory: everything, in pages of up to 999.
    assert_eq!(pages_for(&["--limit", "5000"]), (300, 1));
    // The page size alone is not a limit.
    assert_eq!(pages_for(&["--page-size", "100"]), (300, 3));
    // Groups take the same options.
    emulator.reset_stats();
    let output = succeed(
        emulator
            .configured()
            .args(["groups", "--format", "ndjson", "--limit", "7"]),
    );
    assert_eq!(lines(&output).len(), 7);
    assert_eq!(emulator.stats().route("groups"), 1);
}

#[test]
fn top_still_sets_the_page_size_and_says_it_is_not_a_limit() {
    let emulator = Emulator::start(30);
    emulator.reset_stats();
    let output = succeed(
        emulator
            .configured()
            .args(["users", "--format", "ndjson", "--top", "5"]),
    );
    assert_eq!(lines(&output).len(), 30);
    assert_eq!(emulator.stats().route("users"), 6);
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("--top is deprecated")
            && stderr.contains("--page-size 5")
            && stderr.contains("--limit 5"),
        "{stderr}"
    );
    // Both at once is a usage error.
    let output = emulator
        .configured()
        .args(["users", "--top", "5", "--page-size", "5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
}

#[test]
fn get_takes_a_limit_and_fetches_one_page_with_no_paginate() {
    let emulator = Emulator::start(120);
    emulator.reset_stats();
    let output = succeed(emulator.configured().args([
        "get",
        "/v1.0/users?$top=50",
        "--limit",
        "60",
        "--format",
        "ndjson",
    ]));
    assert_eq!(lines(&output).len(), 60);
    assert_eq!(emulator.stats().route("users"), 2);

    // One page: the json document carries the next page's link, as Graph's does.
    emulator.reset_stats();
    let output =
        succeed(
            emulator
                .configured()
                .args(["get", "/v1.0/users?$top=50", "--no-paginate"]),
        );
    let page: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 50);
    assert_eq!(emulator.stats().route("users"), 1);
    let next = page["@odata.nextLink"].as_str().unwrap();
    // The link is for the next `entrad get`: the rest, with no user twice.
    let rest = succeed(emulator.configured().args(["get", next]));
    let mut ids = crate::support::unique_ids(&rest.stdout);
    ids.extend(crate::support::unique_ids(&output.stdout));
    assert_eq!(ids.len(), 120);

    // Formats without a place for it give the link on stderr.
    let output = succeed(emulator.configured().args([
        "get",
        "/v1.0/users?$top=50",
        "--no-paginate",
        "--format",
        "ndjson",
    ]));
    assert_eq!(lines(&output).len(), 50);
    let stderr = stderr_of(&output);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("@odata.nextLink: https://")),
        "{stderr}"
    );
}
