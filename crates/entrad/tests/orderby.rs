//! `entrad users --orderby`: the tutorial's sorted query as one command, with Graph's
//! advanced-query rule (sorting by other properties, or with a filter, adds
//! `ConsistencyLevel: eventual` and `$count=true`) applied by the CLI itself.

use crate::support::{Emulator, stderr_of, succeed};
use serde_json::Value;

fn names(emulator: &Emulator, args: &[&str]) -> Vec<String> {
    let output = succeed(emulator.configured().arg("users").args(args));
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .map(|line| {
            let user: Value = serde_json::from_str(line).unwrap();
            user["displayName"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn case_insensitive(names: &[String]) -> Vec<String> {
    let mut sorted = names.to_vec();
    sorted.sort_by_key(|n| n.to_lowercase());
    sorted
}

#[test]
fn orders_by_display_name_both_ways_across_pages() {
    let emulator = Emulator::start(120);
    let common = [
        "--format",
        "ndjson",
        "--select",
        "id,displayName,mail",
        "--top",
        "25",
    ];
    let asc = names(
        &emulator,
        &[&common[..], &["--orderby", "displayName"]].concat(),
    );
    assert_eq!(asc.len(), 120);
    assert_eq!(asc, case_insensitive(&asc));
    let desc = names(
        &emulator,
        &[&common[..], &["--orderby", "displayName desc"]].concat(),
    );
    let mut reversed = case_insensitive(&asc);
    reversed.reverse();
    // Equal names may trade places; the names, in order, may not.
    assert_eq!(desc, reversed);
    assert_ne!(asc, desc);
}

#[test]
fn adds_the_advanced_query_parameters_when_graph_needs_them() {
    let emulator = Emulator::start(60);
    // With a filter: Graph refuses the sort without ConsistencyLevel and $count.
    let filtered = names(
        &emulator,
        &[
            "--format",
            "ndjson",
            "--filter",
            "startswith(displayName,'A')",
            "--orderby",
            "displayName",
        ],
    );
    assert!(!filtered.is_empty());
    assert!(filtered.iter().all(|n| n.starts_with('A')));
    assert_eq!(filtered, case_insensitive(&filtered));
    // createdDateTime is sorted only in advanced queries.
    let all = names(
        &emulator,
        &["--format", "ndjson", "--orderby", "createdDateTime desc"],
    );
    assert_eq!(all.len(), 60);
}

#[test]
fn a_malformed_orderby_is_a_usage_error() {
    let emulator = Emulator::start(1);
    let output = emulator
        .configured()
        .args(["users", "--orderby", "displayName sideways"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("\"displayName desc\""),
        "{}",
        stderr_of(&output)
    );
}
