//! Discovery kept with the token cache (issue 23): a process whose cache was
//! used before but holds no valid token makes one request, to the token
//! endpoint; the first ever run makes three (two without instance
//! discovery), a warm run none. Counted by the emulator per route. Kept
//! metadata the token endpoint says is wrong (AADSTS90002, a 404) is thrown
//! away and discovered again, once.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{Emulator, fresh_redis_cache, stderr_of, succeed};

/// Requests served since the last reset: (instance discovery, OpenID
/// metadata, token). A token request the emulator throttled (it answers 429
/// to a client that asks again right after an injected fault, as Entra
/// may) is the transport's retry, not the client's decision: not counted.
fn requests(emulator: &Emulator) -> (u64, u64, u64) {
    let stats = emulator.stats();
    let counts = (
        stats.route("instance-discovery"),
        stats.route("openid-configuration"),
        stats.route("token") - stats.throttled(),
    );
    emulator.reset_stats();
    counts
}

/// `entrad token` with the emulator's file cache, in a new process.
fn token(emulator: &Emulator, flags: &[&str]) -> Value {
    let output = succeed(emulator.configured().args(flags).arg("token"));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn read(file: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
}

fn write(file: &Path, doc: &Value) {
    std::fs::write(file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
}

/// What a later run finds when the token it cached has expired.
fn expire_tokens(file: &Path) {
    let mut doc = read(file);
    for entry in doc["AccessToken"].as_object_mut().unwrap().values_mut() {
        entry["expires_on"] = json!("1000");
        entry["extended_expires_on"] = json!("1000");
    }
    write(file, &doc);
}

/// The one metadata document in the cache file.
fn metadata(file: &Path) -> (String, Value) {
    let doc = read(file);
    let section = doc["EntradMetadata"].as_object().unwrap();
    assert_eq!(section.len(), 1, "{section:?}");
    let (name, entry) = section.iter().next().unwrap();
    (name.clone(), entry.clone())
}

#[test]
fn a_cache_used_before_costs_one_request_for_a_cold_token() {
    let emulator = Emulator::start(1);
    let cache = emulator.cache_file();
    emulator.reset_stats();

    let first = token(&emulator, &[]);
    assert_eq!(first["from_cache"], false);
    assert_eq!(requests(&emulator), (1, 1, 1), "first ever run");
    let (name, entry) = metadata(&cache);
    let authority = emulator.parameters("parameters.json")["authority"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(name, format!("{authority} instance-discovery"));
    assert_eq!(
        entry["document"]["token_endpoint"],
        format!("{authority}/oauth2/v2.0/token")
    );

    let warm = token(&emulator, &[]);
    assert_eq!(warm["from_cache"], true);
    assert_eq!(requests(&emulator), (0, 0, 0), "warm run");

    expire_tokens(&cache);
    let cold = token(&emulator, &[]);
    assert_eq!(cold["from_cache"], false);
    assert_eq!(requests(&emulator), (0, 0, 1), "later cold run");
    assert_eq!(metadata(&cache).1, entry, "not discovered again");
}

#[test]
fn without_instance_discovery_the_first_run_costs_two_and_a_later_cold_one_one() {
    let emulator = Emulator::start(1);
    emulator.reset_stats();
    token(&emulator, &["--no-instance-discovery"]);
    assert_eq!(requests(&emulator), (0, 1, 1), "first ever run");
    assert!(
        metadata(&emulator.cache_file())
            .0
            .ends_with(" openid-configuration")
    );
    expire_tokens(&emulator.cache_file());
    token(&emulator, &["--no-instance-discovery"]);
    assert_eq!(requests(&emulator), (0, 0, 1), "later cold run");
}

#[test]
fn processes_sharing_redis_share_the_discovery() {
    let emulator = Emulator::start(1);
    let url = fresh_redis_cache();
    let token_of = |parameters: &str| {
        let mut cmd = emulator.entrad();
        cmd.arg("--config")
            .arg(emulator.file(parameters))
            .args(["--cache", &url, "token"]);
        succeed(&mut cmd)
    };
    emulator.reset_stats();
    token_of("parameters.json");
    assert_eq!(requests(&emulator), (1, 1, 1), "the first process");
    // Another app of the same tenant, in another process: its own token,
    // the first one's discovery.
    let output = token_of("parameters-unconsented.json");
    assert_eq!(requests(&emulator), (0, 0, 1), "{}", stderr_of(&output));
    token_of("parameters.json");
    assert_eq!(requests(&emulator), (0, 0, 0), "warm");
}

#[test]
fn kept_metadata_the_token_endpoint_refuses_is_discovered_again_once() {
    let emulator = Emulator::start(1);
    let cache = emulator.cache_file();
    token(&emulator, &[]);
    let (name, good) = metadata(&cache);
    let right = good["document"]["token_endpoint"]
        .as_str()
        .unwrap()
        .to_owned();

    // A tenant that went away (AADSTS90002 from the token endpoint).
    let (base, _) = right.split_once("/oauth2/").unwrap();
    let (origin, _) = base.rsplit_once('/').unwrap();
    let gone = format!("{origin}/00000000-0000-0000-0000-00000000dead/oauth2/v2.0/token");
    let mut doc = read(&cache);
    doc["EntradMetadata"][&name]["document"]["token_endpoint"] = json!(gone);
    write(&cache, &doc);
    expire_tokens(&cache);
    emulator.reset_stats();
    let output = succeed(emulator.configured().args(["-v", "token"]));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("discovering it again"), "{stderr}");
    assert_eq!(
        requests(&emulator),
        (1, 1, 2),
        "refused, rediscovered, asked again"
    );
    assert_eq!(
        metadata(&cache).1["document"]["token_endpoint"],
        right.as_str(),
        "the store holds the fresh document"
    );

    // A 404 from the token endpoint: the same, once.
    expire_tokens(&cache);
    emulator.add_fault(json!({"route": "token", "kind": "404", "count": 1}));
    let output = succeed(emulator.configured().args(["-v", "token"]));
    assert_eq!(requests(&emulator), (1, 1, 2), "{}", stderr_of(&output));

    // Refused again after a fresh discovery: an error, not a loop.
    expire_tokens(&cache);
    emulator.add_fault(json!({"route": "token", "kind": "404", "count": 2}));
    let output = emulator
        .configured()
        .args(["-v", "token"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(requests(&emulator), (1, 1, 2), "{}", stderr_of(&output));
}
