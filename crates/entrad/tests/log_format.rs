//! `--log-format json`: one JSON object per line on stderr, carrying the same
//! events and fields as the text lines (the secrets-in-logs checks of
//! `errors.rs` cover both formats).

use serde_json::Value;

use super::support::{Emulator, stderr_of, succeed};

/// Digits vary between two runs (durations, counts, ids); the words do not.
fn shape(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

#[test]
fn json_logs_are_one_object_per_line_with_the_text_logs_events_and_fields() {
    let emulator = Emulator::start(5);
    let run = |format: &str| {
        // Each run asks for its token: the same events in both.
        let output = succeed(
            emulator
                .configured()
                .args(["--cache", "memory", "-vv", "--log-format", format])
                .args(["users", "--top", "2"]),
        );
        assert_eq!(
            super::support::unique_ids(&output.stdout).len(),
            5,
            "stdout keeps the data"
        );
        stderr_of(&output)
    };
    let json = run("json");
    let text = run("text");

    let events: Vec<Value> = json
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(events.len() >= 2, "no logs at -vv: {json}");
    let text_lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        events.len(),
        text_lines.len(),
        "json:\n{json}\ntext:\n{text}"
    );
    for event in &events {
        let level = event["level"].as_str().expect("a level");
        assert!(event["timestamp"].is_string(), "{event}");
        let fields = event["fields"].as_object().expect("fields");
        let message = fields["message"].as_str().expect("a message");
        // The text line of the same event: its level, message and every field.
        let matching = text_lines.iter().any(|line| {
            shape(line).contains(&shape(message))
                && line.contains(level)
                && fields
                    .keys()
                    .filter(|k| *k != "message")
                    .all(|k| line.contains(&format!("{k}=")))
        });
        assert!(matching, "no text line for {event}\n{text}");
    }

    // ENTRAD_LOG_FORMAT does the same for a unit file's Environment=.
    let output = succeed(
        emulator
            .configured()
            .env("ENTRAD_LOG_FORMAT", "json")
            .args(["-v", "token"]),
    );
    for line in stderr_of(&output).lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
}
