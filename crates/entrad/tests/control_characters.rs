//! Directory data cannot drive the reader's terminal: a displayName holding
//! escape sequences (clear screen, window title, C1 CSI, DEL) is shown as
//! visible escapes by `--format table`, and kept exact by csv and json.

use crate::support::{Emulator, succeed};
use serde_json::{Value, json};

/// Clear screen, an OSC window title ended by BEL, a C1 CSI, DEL, a tab and a newline.
const HOSTILE: &str = "Eve\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\u{7f}\tnext\nline";
const UPN: &str = "eve@contoso.example";

fn emulator_with_hostile_user() -> Emulator {
    let emulator = Emulator::start(2);
    emulator.add_users(json!({"userPrincipalName": UPN, "displayName": HOSTILE}));
    emulator
}

fn users(emulator: &Emulator, format: &str) -> Vec<u8> {
    succeed(emulator.configured().args([
        "users",
        "--format",
        format,
        "--select",
        "userPrincipalName,displayName",
    ]))
    .stdout
}

#[test]
fn table_shows_control_characters_as_escapes() {
    let emulator = emulator_with_hostile_user();
    let stdout = String::from_utf8(users(&emulator, "table")).unwrap();
    let raw: Vec<char> = stdout
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw control characters {raw:?} in {stdout}");
    let row = stdout.lines().find(|l| l.contains(UPN)).expect(&stdout);
    assert!(
        row.contains(r"Eve\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\u{7f}\tnext\nline"),
        "{stdout}"
    );
}

#[test]
fn csv_keeps_the_exact_text_quoted() {
    let emulator = emulator_with_hostile_user();
    let stdout = users(&emulator, "csv");
    let mut reader = csv::Reader::from_reader(stdout.as_slice());
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == UPN)
        .unwrap();
    assert_eq!(&row[1], HOSTILE);
    let text = String::from_utf8(stdout).unwrap();
    assert!(text.contains(&format!("\"{HOSTILE}\"")), "{text:?}");
}

#[test]
fn json_escapes_them_as_json_does() {
    let emulator = emulator_with_hostile_user();
    let stdout = users(&emulator, "json");
    // JSON escapes C0 as \u00XX; DEL and C1 are valid JSON as they are.
    assert!(
        !stdout.iter().any(|&b| b < 0x20 && b != b'\n'),
        "a raw C0 byte in {:?}",
        String::from_utf8_lossy(&stdout)
    );
    let doc: Value = serde_json::from_slice(&stdout).unwrap();
    let users = doc["value"].as_array().unwrap();
    let eve = users
        .iter()
        .find(|u| u["userPrincipalName"] == UPN)
        .unwrap();
    assert_eq!(eve["displayName"], HOSTILE);
}
