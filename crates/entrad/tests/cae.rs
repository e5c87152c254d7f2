//! Continuous access evaluation from the command line: `--client-capabilities cp1`
//! (or `client_capabilities` in parameters.json) gets day-long tokens with `xms_cc`;
//! after an event, the next `entrad` process sharing the file cache is
//! challenged by Graph and answers with one token request; two processes
//! sharing a Redis cache across an event mid-listing make one between them.

use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

fn token_claims(output: &std::process::Output) -> (Value, u64) {
    let info: Value = serde_json::from_slice(&output.stdout).unwrap();
    (info["claims"].clone(), info["expires_in"].as_u64().unwrap())
}

#[test]
fn the_flag_declares_cp1_and_the_token_lives_a_day() {
    let emu = Emulator::start(3);
    let out = succeed(emu.configured().env("ENTRAD_CACHE", "memory").args([
        "--client-capabilities",
        "cp1",
        "token",
    ]));
    let (claims, expires_in) = token_claims(&out);
    assert_eq!(claims["xms_cc"], serde_json::json!(["cp1"]));
    assert!(expires_in > 23 * 3600, "{expires_in}");
    let out = succeed(emu.configured().env("ENTRAD_CACHE", "memory").arg("token"));
    let (claims, expires_in) = token_claims(&out);
    assert_eq!(claims["xms_cc"], Value::Null);
    assert!(expires_in < 3600, "{expires_in}");
}

#[test]
fn a_later_process_answers_the_claims_challenge_with_one_token_request() {
    let emu = Emulator::start(120);
    let dir = tempfile::tempdir().unwrap();
    let mut parameters = emu.parameters("parameters.json");
    parameters["client_capabilities"] = serde_json::json!(["cp1"]);
    let client_id = parameters["client_id"].as_str().unwrap().to_owned();
    let file = write_json(dir.path(), "parameters.json", &parameters);
    let run = || {
        let out = succeed(emu.entrad().arg("run").arg(&file));
        assert_eq!(unique_ids(&out.stdout).len(), 120);
    };
    run();
    assert_eq!(emu.stats().route("token"), 1);
    // Issue times and events compare in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    emu.cae_event("location_policy_changed", Some(&client_id));
    // The cached day-long token is refused with a claims challenge: one token
    // request with the claims, and the listing completes.
    run();
    assert_eq!(emu.stats().route("token"), 2);
    assert_eq!(emu.cae_challenges(), (1, 1));
    // The new token replaced the old one in the shared file cache.
    run();
    assert_eq!(emu.stats().route("token"), 2);
    assert_eq!(emu.cae_challenges(), (1, 1));
}

#[test]
fn a_disabled_service_principal_is_an_authentication_error_naming_aadsts7000112() {
    let emu = Emulator::start(3);
    let client_id = emu.parameters("parameters.json")["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    succeed(
        emu.configured()
            .args(["--client-capabilities", "cp1", "users"]),
    );
    std::thread::sleep(Duration::from_millis(1100));
    emu.cae_event("service_principal_disabled", Some(&client_id));
    let out = emu
        .configured()
        .args(["--client-capabilities", "cp1", "users"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("AADSTS7000112"), "{stderr}");
    assert!(stderr.contains("service principal is disabled"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// A child process, killed if the test fails before it ends (a process held
/// with SIGSTOP would otherwise stay).
struct Running(Option<Child>);

impl Running {
    fn child(&self) -> &Child {
        self.0.as_ref().unwrap()
    }

    /// Waits for it to end; its output.
    fn finish(mut self) -> std::process::Output {
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `entrad users` listing `emu`'s users 20 to a page with `cp1` and the Redis
/// `cache`, as a child process whose JSON document ends up on stdout.
fn listing(emu: &Emulator, cache: &str) -> Running {
    let child = entrad_process()
        .env("ENTRAD_CACHE", cache)
        .env("ENTRAD_CACHE_KEY", REDIS_CACHE_KEY)
        .arg("--ca-file")
        .arg(emu.ca_file())
        .arg("--config")
        .arg(emu.file("parameters.json"))
        .args(["--client-capabilities", "cp1", "--format", "json"])
        .args(["users", "--top", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Running(Some(child))
}

/// Sends `signal` (`-STOP`, `-CONT`) to `process`.
fn signal(process: &Running, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &process.child().id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits until the emulator has answered `pages` user pages in all.
fn until_pages(emu: &Emulator, pages: u64) {
    while emu.stats().route("users") < pages {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// What `entrad` can write before a write to its unread stdout blocks: its
/// 64 KiB output buffer and a pipe's 64 KiB.
const UNREAD_OUTPUT: usize = 128 * 1024;

/// The scenario with real processes. Two `entrad` processes share a
/// day-long CAE token through Redis. The second is held stopped (SIGSTOP)
/// mid-listing with the token in its memory while a critical event lands and
/// the first lists everyone: the first answers the challenge with the one
/// extra token request; the second, continued, is challenged on its next
/// page and recovers with the first one's token from Redis.
///
/// No timing: neither listing can end while its stdout is unread (the users
/// are several times what `entrad` can write before a write blocks), so the
/// event lands mid-listing for both however slow the machine is.
#[test]
fn two_processes_sharing_redis_recover_from_an_event_with_one_token_request() {
    const USERS: usize = 2000;
    let emu = Emulator::start(USERS);
    let client_id = emu.parameters("parameters.json")["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cache = fresh_redis_cache();
    let second = listing(&emu, &cache);
    until_pages(&emu, 2);
    signal(&second, "-STOP");
    assert_eq!(emu.stats().route("token"), 1);
    // Issue times and events compare in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    let answered_before = emu.stats().route("users");
    let first = listing(&emu, &cache);
    until_pages(&emu, answered_before + 3);
    emu.cae_event("location_policy_changed", Some(&client_id));
    // Reading its output lets the first go on: challenged on its next page.
    let first = first.finish();
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert!(
        first.stdout.len() > 2 * UNREAD_OUTPUT,
        "the listing could have ended before the event: {} bytes",
        first.stdout.len()
    );
    assert_eq!(unique_ids(&first.stdout).len(), USERS);
    assert_eq!(emu.stats().route("token"), 2);
    assert_eq!(emu.cae_challenges(), (1, 1));

    signal(&second, "-CONT");
    let second = second.finish();
    assert!(second.status.success(), "{}", stderr_of(&second));
    assert_eq!(unique_ids(&second.stdout).len(), USERS);
    assert_eq!(
        emu.stats().route("token"),
        2,
        "the second asked for its own token"
    );
    assert_eq!(emu.cae_challenges().0, 2);
}
