//! Token caches across processes: 8 `entrad run` processes with a cold file or
//! Redis cache cause one token request between them (read from the emulator's
//! stats) and all list every user; `--cache` > `ENTRAD_CACHE` > the file's
//! `cache` key; an unreachable cache is one warning, never a failed job; a
//! cached token Graph refuses (the emulator was recreated with new keys) is
//! replaced by a fresh one.
//! Redis is a real redis-server on loopback that scripts/test starts.

use std::path::Path;
use std::process::Output;

use crate::support::{
    Emulator, REDIS_CACHE_KEY, closed_address, fresh_redis_cache, stderr_of, succeed, unique_ids,
    write_json,
};
use assert_cmd::Command;
use serde_json::Value;

const USERS: usize = 150;

fn token_requests(emulator: &Emulator) -> u64 {
    let stats = emulator.stats();
    stats.route("token")
}

/// Runs the quickstart in `n` processes at once.
fn herd(n: usize, command: impl Fn() -> Command) -> Vec<Output> {
    let commands: Vec<Command> = (0..n).map(|_| command()).collect();
    let threads: Vec<_> = commands
        .into_iter()
        .map(|mut cmd| std::thread::spawn(move || cmd.output().unwrap()))
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn assert_all_listed_every_user(outputs: &[Output]) {
    for output in outputs {
        assert!(output.status.success(), "{}", stderr_of(output));
        assert_eq!(unique_ids(&output.stdout).len(), USERS);
    }
}

#[test]
fn eight_processes_with_a_cold_file_cache_make_one_token_request() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cold").join("tokens.json");
    emulator.reset_stats();
    let outputs = herd(8, || {
        let mut cmd = emulator.run("parameters.json");
        cmd.arg("--cache").arg(format!("file:{}", cache.display()));
        cmd
    });
    assert_all_listed_every_user(&outputs);
    assert_eq!(token_requests(&emulator), 1);
    let doc: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert_eq!(doc["AccessToken"].as_object().unwrap().len(), 1);
}

#[test]
fn eight_processes_with_a_cold_redis_cache_make_one_token_request() {
    let emulator = Emulator::start(USERS);
    let url = fresh_redis_cache();
    emulator.reset_stats();
    let outputs = herd(8, || {
        let mut cmd = emulator.run("parameters.json");
        cmd.arg("--cache")
            .arg(&url)
            .env("ENTRAD_CACHE_KEY", REDIS_CACHE_KEY);
        cmd
    });
    assert_all_listed_every_user(&outputs);
    assert_eq!(token_requests(&emulator), 1);

    // The entries are encrypted: without the key a process cannot read them,
    // says so once, and gets its own token.
    let output = succeed(emulator.run("parameters.json").arg("--cache").arg(&url));
    assert_eq!(unique_ids(&output.stdout).len(), USERS);
    assert_eq!(token_requests(&emulator), 2);
    let stderr = stderr_of(&output);
    assert!(stderr.contains("ENTRAD_CACHE_KEY"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn the_default_is_a_file_in_the_users_cache_dir() {
    let emulator = Emulator::start(USERS);
    let home = tempfile::tempdir().unwrap();
    let default_run = || {
        let mut cmd = emulator.run("parameters.json");
        cmd.env_remove("ENTRAD_CACHE")
            .env("XDG_CACHE_HOME", home.path())
            .env("HOME", home.path());
        cmd
    };
    emulator.reset_stats();
    for _ in 0..2 {
        succeed(&mut default_run());
    }
    assert_eq!(token_requests(&emulator), 1, "the second run used the file");
    let file = home.path().join("entrad").join("msal_token_cache.json");
    let entries = entrad_testkit::msal_access_tokens(&file).unwrap();
    let entry = &entries[0];
    assert_eq!(entry["environment"], "127.0.0.1");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn the_flag_beats_the_environment_which_beats_the_parameters_file() {
    let emulator = Emulator::start(3);
    let dir = tempfile::tempdir().unwrap();
    let mut parameters = emulator.parameters("parameters.json");
    parameters["cache"] = Value::from("file:from-file.json");
    let config = write_json(dir.path(), "parameters.json", &parameters);
    let env_file = dir.path().join("from-env.json");
    let flag_file = dir.path().join("from-flag.json");
    let quickstart = || {
        let mut cmd = emulator.entrad();
        cmd.env_remove("ENTRAD_CACHE").arg("run").arg(&config);
        cmd
    };
    let exists = |p: &Path| p.exists();

    succeed(&mut quickstart());
    assert!(
        exists(&dir.path().join("from-file.json")),
        "relative to the file"
    );
    let mut cmd = quickstart();
    cmd.env("ENTRAD_CACHE", format!("file:{}", env_file.display()));
    succeed(&mut cmd);
    assert!(exists(&env_file));
    let mut cmd = quickstart();
    cmd.env("ENTRAD_CACHE", "memory")
        .arg("--cache")
        .arg(format!("file:{}", flag_file.display()));
    succeed(&mut cmd);
    assert!(exists(&flag_file));

    let output = quickstart()
        .arg("--cache")
        .arg("floppy:a")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("--cache"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn an_unreachable_cache_is_one_warning_and_the_job_succeeds() {
    let emulator = Emulator::start(USERS);
    let closed = closed_address();
    let output = succeed(
        emulator
            .run("parameters.json")
            .arg("--cache")
            .arg(format!("redis://:hunter2@{closed}/0")),
    );
    assert_eq!(unique_ids(&output.stdout).len(), USERS);
    let stderr = stderr_of(&output);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("WARN") && stderr.contains("token cache"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn cached_tokens_never_reach_the_logs() {
    let emulator = Emulator::start(3);
    let output = succeed(emulator.run("parameters.json").arg("-vv"));
    let again = emulator.run("parameters.json").arg("-vv").output().unwrap();
    let doc: Value =
        serde_json::from_slice(&std::fs::read(emulator.cache_file()).unwrap()).unwrap();
    let token = doc["AccessToken"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for output in [output, again] {
        assert!(!stderr_of(&output).contains(&token));
        assert!(!String::from_utf8_lossy(&output.stdout).contains(&token));
    }
}

#[test]
fn a_cached_token_a_recreated_emulator_refuses_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let cache = format!("file:{}", dir.path().join("tokens.json").display());
    let before = Emulator::start(3);
    succeed(before.run("parameters.json").arg("--cache").arg(&cache));
    drop(before);
    // The same tenant and app ids, but new signing keys: Graph refuses the
    // cached token, which has not expired.
    let after = Emulator::start(USERS);
    after.reset_stats();
    let output = succeed(after.run("parameters.json").arg("--cache").arg(&cache));
    assert_eq!(unique_ids(&output.stdout).len(), USERS);
    assert_eq!(
        token_requests(&after),
        1,
        "one fresh token replaced the refused one"
    );
}
