//! A fault soak: 100,000 users listed while about a fifth of the token and Graph
//! requests fail (429 with `Retry-After`, 503, 504, dropped connections) and some
//! are slowed down; and an emulator killed in the middle of a listing.

use std::collections::HashSet;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Emulator, entrad_process, stderr_of, unique_ids};
use serde_json::{Value, json};

const USERS: usize = 100_000;

/// Per-kind rate of the random faults: four kinds in a row fail
/// 1 - (1 - 0.055)^4 ≈ 20% of all requests.
const RATE: f64 = 0.055;

/// Faults on every route: 20% of the requests fail, 30% are slowed down.
/// The token is requested once per run, so the token endpoint also gets one
/// fault of each kind for sure, each on the retry of the one before.
fn inject_faults(emulator: &Emulator) {
    let mut faults = vec![
        json!({"route": "token", "kind": "429", "retry_after": 1, "count": 1}),
        json!({"route": "token", "kind": "drop", "count": 1}),
        json!({"route": "token", "kind": "503", "retry_after": 0, "count": 1}),
        json!({"route": "token", "kind": "504", "retry_after": 0, "count": 1}),
        json!({"route": "*", "kind": "latency", "latency_ms": 5, "rate": 0.3}),
    ];
    for (kind, retry_after) in [("429", 1), ("503", 0), ("504", 0), ("drop", 0)] {
        faults.push(json!({"route": "*", "kind": kind, "retry_after": retry_after, "rate": RATE}));
    }
    for fault in faults {
        emulator.add_fault(fault);
    }
}

/// `retried N token request(s) and M Graph request(s)` from `-v`'s last lines.
fn retry_counts(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.split_once("retried ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no retry summary at -v:\n{stderr}"));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 2, "{line}");
    (numbers[0], numbers[1])
}

/// Checks the faults fired and that every one of them cost exactly one retry.
fn assert_faults_were_retried(emulator: &Emulator, stderr: &str) {
    let (token_retries, graph_retries) = retry_counts(stderr);
    let stats = emulator.stats();
    let faults = emulator.faults();
    let fired = stats.faults();
    // An early retry is throttled again (Graph's rule): one more retry each.
    let throttled = stats.throttled();
    let stats = &stats.0;
    eprintln!("token retries {token_retries}, Graph retries {graph_retries}; {stats}");
    // The four token faults fired once each (then went away), and ~20% of the
    // 100+ page requests failed: far more than a handful.
    assert!(token_retries >= 4, "{token_retries} token retries; {stats}");
    assert!(graph_retries >= 5, "{graph_retries} Graph retries; {stats}");
    assert!(
        faults["faults"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["route"] == "*"),
        "a token fault did not fire: {faults}"
    );
    assert_eq!(
        token_retries + graph_retries,
        fired + throttled,
        "every injected fault costs one retry; {stats}"
    );
}

#[test]
fn users_under_faults_lists_everyone_once() {
    let emulator = Emulator::start(USERS);
    inject_faults(&emulator);
    let output = emulator
        .configured()
        .args(["-v", "--max-attempts", "10", "users", "--top", "999"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(unique_ids(&output.stdout).len(), USERS);
    assert_faults_were_retried(&emulator, &stderr);
}

#[test]
fn delta_under_faults_lists_everyone_once() {
    let emulator = Emulator::start(USERS);
    inject_faults(&emulator);
    let output = emulator
        .configured()
        .args([
            "-v",
            "--max-attempts",
            "10",
            "--format",
            "ndjson",
            "get",
            "v1.0/users/delta?$top=999",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let text = String::from_utf8(output.stdout).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), USERS, "users listed");
    assert_eq!(unique.len(), USERS, "some users were listed twice");
    assert_faults_were_retried(&emulator, &stderr);
}

#[test]
fn killing_the_emulator_mid_listing_exits_5_with_an_incomplete_document() {
    let mut emulator = Emulator::start(USERS);
    // Slow pages, so the listing is still running when the emulator dies.
    emulator.add_fault(json!({"route": "users", "kind": "latency", "latency_ms": 100}));
    // A plain child process (not assert_cmd's), to read its output while it runs.
    let mut command = entrad_process();
    let mut child = command
        .env("ENTRAD_CACHE", "memory")
        .arg("--ca-file")
        .arg(emulator.ca_file())
        .arg("--config")
        .arg(emulator.file("parameters.json"))
        .args(["users", "--top", "999", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // The first page is out: the listing has started.
    let mut first = vec![0; 4096];
    let n = stdout.read(&mut first).unwrap();
    assert!(n > 0, "entrad wrote nothing before the kill");
    first.truncate(n);
    emulator.kill();
    let killed_at = Instant::now();
    let rest = std::thread::spawn(move || {
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).unwrap();
        rest
    });
    // A hung client stops the test here instead of hanging it.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if killed_at.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("entrad still runs two minutes after the emulator died");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let written = [first, rest.join().unwrap()].concat();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(5), "{stderr}");
    assert!(!stderr.trim().is_empty(), "no message on stderr");
    assert!(
        serde_json::from_slice::<Value>(&written).is_err(),
        "the cut-off output parses as a complete document"
    );
    assert!(written.starts_with(b"{"), "the document had begun");
}
