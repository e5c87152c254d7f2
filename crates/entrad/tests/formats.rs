//! Output formats and the other subcommands, against the emulator.

use crate::support::{Emulator, succeed};
use serde_json::Value;

fn users(emulator: &Emulator, args: &[&str]) -> std::process::Output {
    succeed(emulator.configured().arg("users").args(args))
}

#[test]
fn json_is_one_document() {
    let emulator = Emulator::start(150);
    let output = users(&emulator, &["--format", "json", "--top", "40"]);
    assert_eq!(crate::support::unique_ids(&output.stdout).len(), 150);
}

#[test]
fn ndjson_is_one_line_per_user() {
    let emulator = Emulator::start(150);
    let output = users(&emulator, &["--format", "ndjson", "--top", "40"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 150);
    for line in text.lines() {
        let user: Value = serde_json::from_str(line).unwrap();
        assert!(user["id"].is_string());
    }
}

#[test]
fn csv_has_the_selected_columns_and_a_row_per_user() {
    let emulator = Emulator::start(120);
    let output = users(
        &emulator,
        &[
            "--format",
            "csv",
            "--select",
            "id,displayName,businessPhones",
        ],
    );
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["id", "displayName", "businessPhones"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 120);
    assert!(rows.iter().all(|r| !r[0].is_empty()));
}

#[test]
fn table_has_a_header() {
    let emulator = Emulator::start(5);
    let output = users(
        &emulator,
        &["--format", "table", "--select", "id,displayName"],
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let header = text
        .lines()
        .find(|l| l.contains("displayName"))
        .expect("a header line");
    assert!(header.contains("id"), "{text}");
    assert!(text.lines().count() >= 5 + 2, "{text}");
}

#[test]
fn count_and_filter_go_to_graph() {
    let emulator = Emulator::start(60);
    let output = users(&emulator, &["--count", "--select", "id"]);
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["@odata.count"], 60);
    let first: Value = doc["value"][0].clone();
    assert_eq!(first.as_object().unwrap().len(), 1, "{first}");
    let name = {
        let all = users(&emulator, &["--select", "displayName"]);
        let doc: Value = serde_json::from_slice(&all.stdout).unwrap();
        doc["value"][0]["displayName"].as_str().unwrap().to_owned()
    };
    let filter = format!("startswith(displayName,'{}')", name.replace('\'', "''"));
    let output = users(&emulator, &["--format", "ndjson", "--filter", &filter]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.lines().count() >= 1);
    assert!(text.lines().all(|l| l.contains(&name)));
}

#[test]
fn get_pages_collections_and_prints_single_entities() {
    let emulator = Emulator::start(120);
    let output = succeed(emulator.configured().args(["get", "/v1.0/users?$top=50"]));
    let ids = crate::support::unique_ids(&output.stdout);
    assert_eq!(ids.len(), 120);
    let id = ids.into_iter().next().unwrap();
    let output = succeed(
        emulator
            .configured()
            .args(["get", &format!("v1.0/users/{id}")]),
    );
    let user: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(user["id"], id.as_str());
}

#[test]
fn token_prints_claims_and_the_token_only_with_raw() {
    let emulator = Emulator::start(1);
    let output = succeed(emulator.configured().arg("token"));
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(info["token_type"], "Bearer");
    assert!(info["expires_in"].as_u64().unwrap() > 0);
    assert!(info["expires_on"].as_str().unwrap().contains('T'));
    assert_eq!(info["claims"]["idtyp"], "app");
    assert!(info.get("access_token").is_none());
    let output = emulator
        .configured()
        .args(["token", "--raw"])
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(info["access_token"].as_str().unwrap().starts_with("eyJ"));
}

#[test]
fn consent_url_is_the_quickstarts_step_4() {
    let emulator = Emulator::start(1);
    let parameters = emulator.parameters("parameters.json");
    let output = crate::support::entrad()
        .arg("--config")
        .arg(emulator.file("parameters.json"))
        .arg("consent-url")
        .output()
        .unwrap();
    assert!(output.status.success());
    let expected = format!(
        "{}/adminconsent?client_id={}\n",
        parameters["authority"].as_str().unwrap(),
        parameters["client_id"].as_str().unwrap()
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
    // An option written before the name that consent-url does not take (it
    // reads no CA): left out with a warning, as every option was once everyone's.
    let output = succeed(emulator.configured().arg("consent-url"));
    let stderr = crate::support::stderr_of(&output);
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
    assert!(
        stderr.contains("--ca-file does not apply to `entrad consent-url`"),
        "{stderr}"
    );
    // After the name it is refused.
    let output = crate::support::entrad()
        .args(["consent-url", "--ca-file", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn environment_variables_configure_without_a_file() {
    let emulator = Emulator::start(20);
    let p = emulator.parameters("parameters.json");
    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env("AZURE_CLIENT_SECRET", p["secret"].as_str().unwrap())
            .args(["users", "--format", "ndjson"]),
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().lines().count(),
        20
    );
}

#[test]
fn a_pem_certificate_from_the_environment() {
    let emulator = Emulator::start(15);
    let p = emulator.parameters("parameters-certificate.json");
    let dir = tempfile::tempdir().unwrap();
    // azure-identity's PEM: the private key and the certificate in one file.
    let key = std::fs::read_to_string(p["private_key_file"].as_str().unwrap()).unwrap();
    let cert = std::fs::read_to_string(p["certificate_file"].as_str().unwrap()).unwrap();
    let bundle = dir.path().join("app.pem");
    std::fs::write(&bundle, format!("{key}\n{cert}")).unwrap();
    let output = succeed(
        emulator
            .configured_by_environment(&p)
            .env("AZURE_CLIENT_CERTIFICATE_PATH", &bundle)
            .args(["users", "--format", "ndjson", "--top", "5"]),
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().lines().count(),
        15
    );
}

#[test]
fn groups_are_listed_like_users() {
    let emulator = Emulator::start(250);
    let output = succeed(
        emulator
            .configured()
            .args(["groups", "--format", "ndjson", "--top", "10"])
            .args(["--select", "id,displayName,securityEnabled"]),
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 25, "one group per ten users: {text}");
    for line in text.lines() {
        let group: Value = serde_json::from_str(line).unwrap();
        assert!(group["displayName"].is_string(), "{group}");
        assert!(group["securityEnabled"].is_boolean(), "{group}");
    }
}

#[test]
fn count_goes_to_stderr_when_the_format_has_no_place_for_it() {
    let emulator = Emulator::start(60);
    for format in ["ndjson", "csv", "table"] {
        let output = users(&emulator, &["--count", "--format", format, "--limit", "3"]);
        let stderr = crate::support::stderr_of(&output);
        assert!(
            stderr.lines().any(|l| l == "@odata.count: 60"),
            "{format}: {stderr}"
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(!stdout.contains("@odata.count"), "{format}: {stdout}");
    }
    // In json it is part of the document, not repeated on stderr.
    let output = users(&emulator, &["--count", "--limit", "3"]);
    assert!(crate::support::stderr_of(&output).is_empty());
}

#[test]
fn a_single_object_as_a_table_is_one_property_per_line() {
    let emulator = Emulator::start(3);
    let all = users(&emulator, &["--select", "id,displayName"]);
    let doc: Value = serde_json::from_slice(&all.stdout).unwrap();
    let (id, name) = (
        doc["value"][0]["id"].as_str().unwrap(),
        doc["value"][0]["displayName"].as_str().unwrap(),
    );
    let output = succeed(emulator.configured().args([
        "get",
        &format!("v1.0/users/{id}"),
        "--format",
        "table",
    ]));
    let text = String::from_utf8(output.stdout).unwrap();
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key}:")))
            .unwrap_or_else(|| panic!("no {key}: {text}"))
            .split_once(':')
            .unwrap()
            .1
            .trim()
            .to_owned()
    };
    assert_eq!(line("id"), id);
    assert_eq!(line("displayName"), name);
    assert!(!text.contains('│'), "not a grid: {text}");
    // Values line up, after the longest key.
    let starts: std::collections::HashSet<usize> = text
        .lines()
        .filter(|l| !l.ends_with(':'))
        .map(|l| l.len() - l.split_once(':').unwrap().1.trim_start().len())
        .collect();
    assert_eq!(starts.len(), 1, "{text}");
}

#[test]
fn token_honours_the_format_and_only_prints_the_token_alone() {
    let emulator = Emulator::start(1);
    let output = succeed(emulator.configured().args(["token", "--format", "table"]));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("token_type:") && l.ends_with("Bearer")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("claims.idtyp:") && l.ends_with("app")),
        "{text}"
    );
    let output = succeed(emulator.configured().args(["token", "--format", "ndjson"]));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let info: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(info["claims"]["idtyp"], "app");

    // For `Authorization: Bearer $(entrad token --only)`: the token and a newline.
    let output = succeed(emulator.configured().args(["token", "--only"]));
    let text = String::from_utf8(output.stdout).unwrap();
    let token = text.strip_suffix('\n').unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT: {text}");
    assert!(token.starts_with("eyJ") && !token.contains(char::is_whitespace));
    let output = emulator
        .configured()
        .args(["token", "--only", "--raw"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
