//! Every failure path: one clear line on stderr, the documented exit code, no secret.

use std::process::Output;

use crate::support::{
    Emulator, closed_address, entrad, entrad_process, stderr_of, succeed, write_json,
};
use serde_json::{Value, json};

/// `entrad run` on a copy of the emulator's `parameters` file changed by `edit`.
fn run_edited(emulator: &Emulator, parameters: &str, edit: impl FnOnce(&mut Value)) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut parameters = emulator.parameters(parameters);
    edit(&mut parameters);
    let file = write_json(dir.path(), "parameters.json", &parameters);
    emulator.entrad().arg("run").arg(&file).output().unwrap()
}

#[test]
fn an_app_without_consent_gets_exit_4_and_the_consent_url() {
    let emulator = Emulator::start(3);
    let parameters = emulator.parameters("parameters-unconsented.json");
    let output = emulator
        .run("parameters-unconsented.json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = stderr_of(&output);
    let consent_url = format!(
        "{}/adminconsent?client_id={}",
        parameters["authority"].as_str().unwrap(),
        parameters["client_id"].as_str().unwrap()
    );
    assert!(
        stderr.contains("Insufficient privileges to complete the operation."),
        "{stderr}"
    );
    assert!(stderr.contains("admin consent"), "{stderr}");
    assert!(stderr.contains(&consent_url), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn a_wrong_secret_is_exit_3_with_the_hint_and_without_the_secret() {
    let emulator = Emulator::start(1);
    let output = run_edited(&emulator, "parameters.json", |p| {
        p["secret"] = json!("definitely-not-the-secret-4711");
    });
    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("AADSTS7000215"), "{stderr}");
    // One line: the description's first line, then the ids once (not Entra's
    // CRLF trailer of "Trace ID: …" lines).
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("Trace ID:"), "{stderr}");
    assert!(stderr.contains("(trace id "), "{stderr}");
    assert!(
        !stderr.contains("definitely-not-the-secret-4711"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    // The ids to quote to support, each once (Entra repeats them in its description,
    // and the correlation id is the client-request-id sent).
    let id_after = |label: &str| {
        let at = stderr
            .find(label)
            .unwrap_or_else(|| panic!("{label}: {stderr}"));
        stderr[at + label.len()..]
            .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
            .next()
            .unwrap()
            .to_owned()
    };
    for label in ["correlation id ", "trace id "] {
        let id = id_after(label);
        assert_eq!(id.len(), 36, "{label}{id}: {stderr}");
        assert_eq!(stderr.matches(&id).count(), 1, "{label}{id}: {stderr}");
    }
}

#[test]
fn a_dead_endpoint_is_exit_5() {
    let emulator = Emulator::start(1);
    let closed = closed_address();
    let output = run_edited(&emulator, "parameters.json", |p| {
        let tenant = p["authority"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        p["authority"] = json!(format!("https://{closed}/{tenant}"));
        p["endpoint"] = json!(format!("https://{closed}/v1.0/users"));
    });
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    // The host that did not answer, and the question to ask, not the request's inner name.
    assert!(
        stderr.contains(&format!("cannot reach the token service at {closed}:"))
            && stderr.contains("is it running"),
        "{stderr}"
    );
    assert!(!stderr.contains("instance-discovery"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn me_with_an_app_token_says_there_is_no_signed_in_user() {
    let emulator = Emulator::start(1);
    for path in ["/v1.0/me", "v1.0/me/messages"] {
        let output = emulator.configured().args(["get", path]).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("app-only token has no signed-in user")
                && stderr.contains("/v1.0/users/{id}"),
            "{stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn a_token_without_roles_says_admin_consent_is_missing() {
    let emulator = Emulator::start(1);
    let parameters = emulator.parameters("parameters-unconsented.json");
    let output = succeed(
        emulator
            .entrad()
            .arg("--config")
            .arg(emulator.file("parameters-unconsented.json"))
            .arg("token"),
    );
    let stderr = stderr_of(&output);
    let consent_url = format!(
        "{}/adminconsent?client_id={}",
        parameters["authority"].as_str().unwrap(),
        parameters["client_id"].as_str().unwrap()
    );
    assert!(
        stderr.contains("no `roles` claim") && stderr.contains("admin consent is probably missing"),
        "{stderr}"
    );
    assert!(stderr.contains(&consent_url), "{stderr}");
    // A consented app's token has roles: nothing to say.
    let output = succeed(emulator.configured().arg("token"));
    assert!(stderr_of(&output).is_empty(), "{}", stderr_of(&output));
}

#[test]
fn an_emulator_on_a_port_in_use_suggests_a_free_one_and_leaves_no_state_behind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("new").join("emu");
    let output = entrad()
        .args(["emulator", "--users", "1", "--listen", &port.to_string()])
        .arg("--state-dir")
        .arg(&state)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {port}"))
            && stderr.contains("--listen 127.0.0.1:0"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("new").exists(),
        "half a state directory left"
    );
    // A state directory that was there before is left as it was.
    std::fs::create_dir(dir.path().join("kept")).unwrap();
    let output = entrad()
        .args(["emulator", "--users", "1", "--listen", &port.to_string()])
        .arg("--state-dir")
        .arg(dir.path().join("kept"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(dir.path().join("kept").is_dir());
    drop(taken);
}

#[test]
fn an_in_memory_emulator_that_cannot_listen_leaves_no_temporary_directory() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let output = entrad()
        .args([
            "emulator",
            "--in-memory",
            "--users",
            "1",
            "--listen",
            &port.to_string(),
        ])
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    drop(taken);
}

#[test]
fn an_untrusted_emulator_certificate_is_exit_2_with_the_fix() {
    let emulator = Emulator::start(1);
    // Without --ca-file: the emulator's local CA is unknown.
    let output = entrad()
        .arg("run")
        .arg(emulator.file("parameters.json"))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not trusted") && stderr.contains("--ca-file"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn graph_unreachable_after_a_good_token_is_exit_5() {
    let emulator = Emulator::start(1);
    let closed = closed_address();
    let output = run_edited(&emulator, "parameters.json", |p| {
        p["endpoint"] = json!(format!("https://{closed}/v1.0/users"));
    });
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("network error"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn a_persistent_503_is_exit_5() {
    let emulator = Emulator::start(5);
    emulator.add_fault(json!({"route": "users", "kind": "503", "retry_after": 1}));
    let output = emulator.run("parameters.json").output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("503"), "{}", stderr_of(&output));
}

/// Runs `entrad run` on a broken copy of parameters.json; expects exit 2 and `needle` in the message.
fn bad_config(emulator: &Emulator, edit: impl FnOnce(&mut Value) -> Option<String>, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut parameters = emulator.parameters("parameters.json");
    let path = dir.path().join("parameters.json");
    match edit(&mut parameters) {
        Some(raw) => std::fs::write(&path, raw).unwrap(),
        None => {
            write_json(dir.path(), "parameters.json", &parameters);
        }
    }
    let output = emulator.entrad().arg("run").arg(&path).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    assert!(stderr.contains("parameters.json"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn bad_config_files_are_exit_2_with_clear_messages() {
    let emulator = Emulator::start(1);
    bad_config(
        &emulator,
        |p| {
            p.as_object_mut().unwrap().remove("client_id");
            None
        },
        "missing key `client_id`",
    );
    bad_config(
        &emulator,
        |p| {
            p.as_object_mut().unwrap().remove("endpoint");
            None
        },
        "missing key `endpoint`",
    );
    bad_config(
        &emulator,
        |p| {
            p["scope"] = json!(42);
            None
        },
        "`scope` must be a list of strings or a string",
    );
    bad_config(
        &emulator,
        |p| {
            p["client_id"] = json!(["x"]);
            None
        },
        "`client_id` must be a string, found a list",
    );
    bad_config(
        &emulator,
        |_| Some("{\"authority\": \"https://x/t\",\n \"client_id\" \"c\"}".into()),
        "invalid JSON at line 2, column",
    );
    bad_config(
        &emulator,
        |p| {
            p["authority"] = json!("not a url");
            None
        },
        "`authority` is not a valid URL",
    );
    bad_config(
        &emulator,
        |p| {
            p["endpoint"] = json!("graph.microsoft.com/v1.0/users");
            None
        },
        "`endpoint` is not a valid URL",
    );
    bad_config(
        &emulator,
        |p| {
            p["authority"] = json!("https://login.microsoftonline.com/common");
            None
        },
        "common",
    );
}

#[test]
fn a_missing_private_key_file_is_exit_2() {
    let emulator = Emulator::start(1);
    let output = run_edited(&emulator, "parameters-certificate.json", |p| {
        p["private_key_file"] = json!("no-such-key.pem");
    });
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read `private_key_file`"),
        "{stderr}"
    );
    assert!(stderr.contains("no-such-key.pem"), "{stderr}");
}

#[test]
fn a_missing_config_file_and_bad_flags_are_exit_2() {
    let output = entrad()
        .args(["run", "/nonexistent/parameters.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("cannot read config file /nonexistent/parameters.json"));
    let output = entrad().args(["users", "--top", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    // Nothing configured: the credential chain, which off Azure (IMDS at a
    // closed loopback port here) names what it looked for, exit 3.
    let output = entrad().args(["users"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("AZURE_CLIENT_SECRET"), "{stderr}");
    // ... and the ways to configure it, or to try entrad without an app.
    for way in [
        "--config FILE",
        "ENTRAD_CONFIG",
        "`entrad demo`",
        "`entrad emulator",
    ] {
        assert!(stderr.contains(way), "{way}: {stderr}");
    }
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn the_emulators_entrad_env_configures_every_later_command() {
    let emulator = Emulator::start(12);
    let env = std::fs::read_to_string(emulator.file("entrad.env")).unwrap();
    let vars: Vec<(String, String)> = env
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["ENTRAD_CONFIG", "ENTRAD_CA_FILE", "ENTRAD_GRAPH_URL"]
    );
    // No --config, --ca-file or --graph-url: the variables alone.
    let output = succeed(
        entrad()
            .envs(vars.clone())
            .args(["users", "--format", "ndjson"]),
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().lines().count(),
        12
    );
    // `entrad run FILE` takes FILE over ENTRAD_CONFIG: the unconsented app's 403.
    let output = entrad()
        .envs(vars)
        .arg("run")
        .arg(emulator.file("parameters-unconsented.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr_of(&output));
    // --help names the variables.
    let help = succeed(entrad().args(["users", "--help"]));
    let help = String::from_utf8(help.stdout).unwrap();
    for var in ["ENTRAD_CONFIG", "ENTRAD_CA_FILE", "ENTRAD_GRAPH_URL"] {
        assert!(help.contains(&format!("[env: {var}")), "{var}: {help}");
    }
}

#[test]
fn secrets_never_reach_stdout_or_stderr_even_at_trace_level() {
    let emulator = Emulator::start(3);
    let secret = emulator.parameters("parameters.json")["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    // `-vvv` is entrad's own trace level (a quiet success may log nothing at all);
    // `RUST_LOG=trace` turns every crate's traces on (HTTP, TLS), and its TRACE
    // lines prove those logs were written and searched.
    // Both log formats: text lines and JSON objects (--log-format json).
    let mut traces = String::new();
    for log_format in ["text", "json"] {
        for rust_log in [None, Some("trace")] {
            for args in [vec!["-vvv", "run"], vec!["-vvv", "token", "--config"]] {
                let mut cmd = emulator.entrad();
                cmd.args(["--log-format", log_format]);
                if let Some(filter) = rust_log {
                    cmd.env("RUST_LOG", filter);
                }
                let output = succeed(cmd.args(&args).arg(emulator.file("parameters.json")));
                for stream in [&output.stdout, &output.stderr] {
                    let text = String::from_utf8_lossy(stream);
                    assert!(!text.contains(&secret), "the client secret leaked");
                    assert!(!text.contains("eyJ"), "an access token leaked");
                }
                if rust_log.is_some() {
                    traces.push_str(&stderr_of(&output));
                }
            }
        }
    }
    assert!(traces.contains(" TRACE "), "no text trace logs: {traces}");
    assert!(
        traces.contains(r#""level":"TRACE""#),
        "no JSON trace logs: {traces}"
    );
    // The secret given as a flag is warned about, and not echoed either.
    let output = succeed(
        emulator
            .entrad()
            .args(["-vvv", "--config"])
            .arg(emulator.file("parameters.json"))
            // `=`: a generated secret may start with `-`, which would read as a flag.
            .arg(format!("--client-secret={secret}"))
            .arg("token"),
    );
    let stderr = stderr_of(&output);
    assert!(stderr.contains("process list"), "{stderr}");
    assert!(
        !stderr.contains(&secret) && !String::from_utf8_lossy(&output.stdout).contains(&secret)
    );
}

/// Exit 1 is for what should not happen; a device that refuses the output is
/// one honest way to get there (`/dev/full` fails every write).
#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_exit_1_internal() {
    let emulator = Emulator::start(3);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    // assert_cmd captures stdout; the std command lets it go to the device.
    let mut cmd = entrad_process();
    let output = cmd
        .env("ENTRAD_CACHE", "memory")
        .arg("--ca-file")
        .arg(emulator.file("ca.pem"))
        .arg("run")
        .arg(emulator.file("parameters.json"))
        .stdout(full)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
