//! `entrad api`: any Graph request as `gh api` makes it, against the emulator.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::{Emulator, stderr_of, succeed};

fn first_user(emulator: &Emulator) -> Value {
    let output = succeed(
        emulator
            .configured()
            .args(["api", "/v1.0/users?$top=1&$select=id,displayName"]),
    );
    let page: Value = serde_json::from_slice(&output.stdout).unwrap();
    page["value"][0].clone()
}

#[test]
fn a_user_is_got_as_graph_sends_it_with_the_status_line_on_request() {
    let emulator = Emulator::start(5);
    let user = first_user(&emulator);
    let id = user["id"].as_str().unwrap();
    let path = format!("/v1.0/users/{id}");
    let output = succeed(emulator.configured().args(["api", &path]));
    let got: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(got["id"], user["id"]);
    assert_eq!(got["displayName"], user["displayName"]);

    let output = succeed(emulator.configured().args(["api", "-i", &path]));
    let text = String::from_utf8(output.stdout).unwrap();
    let (head, body) = text
        .split_once("\n\n")
        .expect("headers, a blank line, the body");
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.1 200 OK"), "{text}");
    assert!(
        lines.any(|l| l
            .to_ascii_lowercase()
            .starts_with("content-type: application/json")),
        "{head}"
    );
    let got: Value = serde_json::from_str(body).unwrap();
    assert_eq!(got["id"], user["id"]);
}

#[test]
fn paginate_as_ndjson_lists_every_user_once() {
    let emulator = Emulator::start(23);
    let output = succeed(emulator.configured().args([
        "api",
        "--paginate",
        "--format",
        "ndjson",
        "/v1.0/users?$top=5&$select=id",
    ]));
    let text = String::from_utf8(output.stdout).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|line| {
            let item: Value = serde_json::from_str(line).unwrap();
            item["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a user listed twice: {text}");
    let listed = succeed(emulator.configured().args(["users", "--format", "ndjson"]));
    assert_eq!(
        ids.len(),
        listed
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    );
    assert!(ids.len() > 5, "more than one page: {}", ids.len());

    // Without --paginate, the first page only, as Graph sent it (its nextLink in it).
    let output = succeed(
        emulator
            .configured()
            .args(["api", "/v1.0/users?$top=5&$select=id"]),
    );
    let page: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 5);
    assert!(page["@odata.nextLink"].is_string(), "{page}");
}

#[test]
fn a_batch_from_stdin_is_posted_and_answered() {
    let emulator = Emulator::start(5);
    let user = first_user(&emulator);
    let id = user["id"].as_str().unwrap();
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/users/{id}")},
        {"id": "2", "method": "GET", "url": "/users/no-such-user"},
    ]});
    let output = succeed(
        emulator
            .configured()
            .args(["api", "/v1.0/$batch", "--input", "-"])
            .write_stdin(batch.to_string()),
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let responses = answer["responses"].as_array().unwrap();
    let by_id = |n: &str| {
        responses
            .iter()
            .find(|r| r["id"] == n)
            .unwrap_or_else(|| panic!("no response {n}: {answer}"))
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("1")["body"]["id"], user["id"]);
    assert_eq!(by_id("2")["status"], 404);
}

#[test]
fn a_missing_path_gives_graphs_error_and_the_config_exit_code() {
    let emulator = Emulator::start(2);
    let output = emulator
        .configured()
        .args(["api", "/v1.0/users/no-such-user"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("Request_ResourceNotFound"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn a_url_on_another_origin_is_refused_before_any_token_goes_out() {
    let emulator = Emulator::start(2);
    emulator.reset_stats();
    let output = emulator
        .configured()
        .args(["api", "https://graph.example/v1.0/users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--graph-url"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(emulator.stats().route("token"), 0, "a token was asked for");
}

#[test]
fn a_post_is_sent_again_after_a_429_but_not_after_a_503() {
    let emulator = Emulator::start(2);
    let user = first_user(&emulator);
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/users/{}", user["id"].as_str().unwrap())},
    ]});
    let post = |emulator: &Emulator| {
        emulator
            .configured()
            .args(["api", "/v1.0/$batch", "--input", "-"])
            .write_stdin(batch.to_string())
            .output()
            .unwrap()
    };

    emulator.add_fault(json!({"route": "batch", "kind": "429", "retry_after": 1, "count": 1}));
    emulator.reset_stats();
    let output = post(&emulator);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        emulator.stats().route("batch"),
        2,
        "the 429, then the answer"
    );

    // A 503 may follow a write that was applied: a POST is not sent again.
    emulator.add_fault(json!({"route": "batch", "kind": "503", "retry_after": 1, "count": 1}));
    emulator.reset_stats();
    let output = post(&emulator);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(emulator.stats().route("batch"), 1, "{stderr}");

    // The same 503 on a GET is retried through.
    emulator.add_fault(json!({"route": "users", "kind": "503", "retry_after": 1, "count": 1}));
    emulator.reset_stats();
    succeed(emulator.configured().args(["api", "/v1.0/users?$top=1"]));
    assert_eq!(emulator.stats().route("users"), 2);
}

/// The consented app's read roles and `write` besides (its tokens carry them from now on).
fn grant(emulator: &Emulator, write: &[&str]) {
    let mut roles = vec!["User.Read.All", "GroupMember.Read.All"];
    roles.extend_from_slice(write);
    let client_id = emulator.parameters("parameters.json")["client_id"].clone();
    let consent = json!({ "client_id": client_id, "granted": true, "roles": roles });
    emulator.admin(|a| a.set_consent(&consent));
}

/// `entrad api ARGS...` with `body` on stdin: its parsed stdout.
fn api_json(emulator: &Emulator, args: &[&str], body: Option<Value>) -> Value {
    let mut cmd = emulator.configured();
    cmd.arg("api").args(args);
    if let Some(body) = body {
        cmd.args(["--input", "-"]).write_stdin(body.to_string());
    }
    let output = succeed(&mut cmd);
    if output.stdout.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_batch_creates_a_user_and_adds_it_to_a_group_in_dependency_order() {
    let emulator = Emulator::start(20);
    grant(
        &emulator,
        &["User.ReadWrite.All", "GroupMember.ReadWrite.All"],
    );
    let groups = api_json(&emulator, &["/v1.0/groups?$top=1&$select=id"], None);
    let group = groups["value"][0]["id"].as_str().unwrap().to_owned();
    let upn = "batched.person@entrademo.onmicrosoft.com";
    let batch = json!({"requests": [
        {"id": "add", "method": "POST", "url": format!("/groups/{group}/members/$ref"),
         "dependsOn": ["create"], "headers": {"Content-Type": "application/json"},
         "body": {"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{upn}")}},
        {"id": "create", "method": "POST", "url": "/users",
         "headers": {"Content-Type": "application/json"},
         "body": {"accountEnabled": true, "displayName": "Batched Person",
                  "mailNickname": "batched.person", "userPrincipalName": upn,
                  "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}}},
    ]});
    let answer = api_json(
        &emulator,
        &["--method", "POST", "/v1.0/$batch"],
        Some(batch),
    );
    let responses = answer["responses"].as_array().unwrap();
    assert_eq!(responses[0]["id"], "create", "{answer}");
    assert_eq!(responses[0]["status"], 201, "{answer}");
    let id = responses[0]["body"]["id"].as_str().unwrap().to_owned();
    assert_eq!(responses[1]["id"], "add", "{answer}");
    assert_eq!(responses[1]["status"], 204, "{answer}");

    let user = api_json(&emulator, &[&format!("/v1.0/users/{upn}")], None);
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["displayName"], "Batched Person");
    let members = api_json(
        &emulator,
        &[&format!("/v1.0/groups/{group}/members?$select=id&$top=999")],
        None,
    );
    assert!(
        members["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str()),
        "{members}"
    );
}

/// Graph's directory answers a write without its permission with
/// `Authorization_RequestDenied`, which names no permission: the hint lists the roles the
/// token carried (never the token) and how to grant one, Graph's words kept.
#[test]
fn a_denied_write_names_the_tokens_roles_and_how_to_grant_more() {
    let emulator = Emulator::start(2);
    let user = json!({"accountEnabled": true, "displayName": "Nope", "mailNickname": "nope",
        "userPrincipalName": "nope@entrademo.onmicrosoft.com",
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}});
    let output = emulator
        .configured()
        .args(["api", "/v1.0/users", "--input", "-"])
        .write_stdin(user.to_string())
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("Insufficient privileges to complete the operation."),
        "{stderr}"
    );
    assert!(
        stderr.contains("its token carries User.Read.All, GroupMember.Read.All"),
        "{stderr}"
    );
    assert!(stderr.contains("/adminconsent?client_id="), "{stderr}");
    assert!(stderr.contains("POST /_emulator/consent"), "{stderr}");
    assert!(!stderr.contains("eyJ"), "no token on stderr: {stderr}");
}

/// The msgraph-sdk flow of `crates/entrad-py/tests/test_msgraph_sdk_writes.py` with
/// `entrad api`: refused until the write roles are granted, then a user created,
/// patched, added to a group, removed from it and deleted, each step seen by a read.
#[test]
fn writes_are_refused_until_granted_then_each_step_is_seen_by_reads() {
    let emulator = Emulator::start(20);
    let upn = "cli.person@entrademo.onmicrosoft.com";
    let user = json!({"accountEnabled": true, "displayName": "Cli Person",
        "mailNickname": "cli.person", "userPrincipalName": upn,
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}});
    let output = emulator
        .configured()
        .args(["api", "/v1.0/users", "--input", "-"])
        .write_stdin(user.to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr_of(&output));

    grant(&emulator, &["User.ReadWrite.All", "Group.ReadWrite.All"]);
    // The cached token keeps the roles it was issued with (as the hint says).
    let api = |args: &[&str], body: Option<Value>| {
        let mut all = vec!["--cache", "memory"];
        all.extend_from_slice(args);
        api_json(&emulator, &all, body)
    };
    let created = api(&["/v1.0/users"], Some(user));
    assert_eq!(created["userPrincipalName"], upn, "{created}");
    assert!(created.get("passwordProfile").is_none(), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/v1.0/users/{id}");
    assert_eq!(api(&[&path], None)["displayName"], "Cli Person");

    let patched = api(
        &["--method", "PATCH", &path],
        Some(json!({"jobTitle": "Tester"})),
    );
    assert_eq!(patched, Value::Null, "204: nothing printed");
    assert_eq!(api(&[&path], None)["jobTitle"], "Tester");

    let groups = api(&["/v1.0/groups?$top=1&$select=id"], None);
    let group = groups["value"][0]["id"].as_str().unwrap().to_owned();
    let members = |api: &dyn Fn(&[&str], Option<Value>) -> Value| -> Vec<String> {
        let page = api(
            &[&format!("/v1.0/groups/{group}/members?$select=id&$top=999")],
            None,
        );
        page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")});
    api(
        &[&format!("/v1.0/groups/{group}/members/$ref")],
        Some(reference),
    );
    assert!(members(&api).contains(&id));
    api(
        &[
            "--method",
            "DELETE",
            &format!("/v1.0/groups/{group}/members/{id}/$ref"),
        ],
        None,
    );
    assert!(!members(&api).contains(&id));

    api(&["--method", "DELETE", &path], None);
    let output = emulator
        .configured()
        .args(["--cache", "memory", "api", &path])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Request_ResourceNotFound"), "{stderr}");
}
