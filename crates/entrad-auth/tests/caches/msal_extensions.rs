//! The file store and real msal-extensions (Python, `PersistedTokenCache(
//! FilePersistence(path))`) writing the same file at the same time: an MSAL
//! app adding tokens in a loop while several entrad processes (the
//! `shared_file_cache` example, each with its own `FileCache`) add and read
//! theirs. Every entry each side wrote is there at the end and nothing was
//! set aside as corrupt, with either of msal-extensions' lock modes; entrad's
//! metadata section, which MSAL does not know, is kept by every write.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use entrad_auth::CacheKey;
use serde_json::Value;

/// Entries each writer adds.
const COUNT: usize = 60;
/// entrad processes writing beside the MSAL app.
const ENTRAD_PROCESSES: usize = 3;
/// The pause between an entrad writer's rounds, in milliseconds: msal-extensions
/// polls for the lock file every 250 ms and gives up after 5 s, so writers
/// holding it back to back with no pause at all could starve it on a loaded
/// machine. Real ones write once a token.
const PACE_MS: &str = "20";

/// An app token of `client_id` as MSAL Python files it for the token
/// endpoint `https://login.microsoftonline.com/tenant/...`.
fn key(client_id: &str) -> CacheKey {
    CacheKey {
        environment: "login.microsoftonline.com".into(),
        client_id: client_id.into(),
        realm: "tenant".into(),
        target: "https://graph.microsoft.com/.default".into(),
    }
}

/// The `shared_file_cache` example, which `cargo test` and nextest build
/// beside the test binaries (`target/<profile>/examples/`).
fn writer_example() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let example = deps
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/shared_file_cache");
    assert!(
        example.exists(),
        "{} is missing: build it with cargo test -p entrad-auth --examples",
        example.display()
    );
    example
}

fn spawn_entrad_writer(cache_file: &Path, prefix: &str) -> Child {
    Command::new(writer_example())
        .arg(cache_file)
        .args([prefix, &COUNT.to_string(), PACE_MS, "msal"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn spawn_msal_writer(cache_file: &Path, mode: &str) -> Child {
    Command::new(entrad_testkit::python().unwrap())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/msal/msal_extensions_writer.py"
        ))
        .arg(cache_file)
        .args([mode, &COUNT.to_string(), "msal"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finished(child: Child, what: &str) -> String {
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn lose_nothing(mode: &str, lock_module: &str) {
    let dir = tempfile::tempdir().unwrap();
    let cache_file = dir.path().join("msal_token_cache.json");
    // What an earlier entrad run left: the authority's metadata, in a
    // section of entrad's own that every writer must keep.
    let metadata = serde_json::json!({"https://login.microsoftonline.com/tenant openid-configuration": {
        "document": {"token_endpoint": "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"},
        "fetched_at": "1700000000",
    }});
    std::fs::write(
        &cache_file,
        serde_json::json!({ "EntradMetadata": metadata }).to_string(),
    )
    .unwrap();
    let msal = spawn_msal_writer(&cache_file, mode);
    let entrad: Vec<(String, Child)> = (0..ENTRAD_PROCESSES)
        .map(|n| {
            let prefix = format!("entrad{n}");
            let child = spawn_entrad_writer(&cache_file, &prefix);
            (prefix, child)
        })
        .collect();

    let report: Value = serde_json::from_str(finished(msal, "the MSAL app").trim()).unwrap();
    assert_eq!(report["lock"], lock_module, "{report}");
    assert_eq!(report["msal_extensions_version"], "1.3.1", "{report}");
    assert_eq!(
        report["found"], COUNT,
        "the MSAL app lost its own entries: {report}"
    );
    let mut prefixes = vec!["msal".to_owned()];
    for (prefix, child) in entrad {
        finished(child, &prefix);
        prefixes.push(prefix);
    }

    let doc: Value = serde_json::from_slice(&std::fs::read(&cache_file).unwrap()).unwrap();
    let tokens = doc["AccessToken"].as_object().unwrap();
    let mut lost = Vec::new();
    for prefix in &prefixes {
        for i in 0..COUNT {
            let client_id = format!("{prefix}-{i}");
            match tokens.get(&key(&client_id).msal_key()) {
                Some(entry) => assert_eq!(entry["secret"], format!("at-{client_id}")),
                None => lost.push(client_id),
            }
        }
    }
    assert!(lost.is_empty(), "{} entries lost: {lost:?}", lost.len());
    assert_eq!(tokens.len(), prefixes.len() * COUNT);
    assert_eq!(doc["EntradMetadata"], metadata, "MSAL's writes keep it");

    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // No file set aside as corrupt, no lock file left behind, no temporary file.
    assert_eq!(
        names,
        ["msal_token_cache.json", "msal_token_cache.json.lock"],
        "{names:?}"
    );
}

#[test]
fn msal_extensions_with_portalocker_and_entrad_processes_lose_nothing() {
    lose_nothing("portalocker", "msal_extensions.cache_lock");
}

#[test]
fn msal_extensions_without_portalocker_and_entrad_processes_lose_nothing() {
    lose_nothing("filelock", "msal_extensions.filelock");
}
