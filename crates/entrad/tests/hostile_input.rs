//! What a hostile (or broken) server, cache or configuration can hand
//! `entrad`: a token living a thousand years, control characters in a token,
//! a Service Fabric certificate of another thumbprint, an Arc challenge with
//! more parameters than the realm, an Arc key that is a FIFO, an authority URL
//! of half a megabyte. Each gives a bounded token or one clear line with its
//! exit code; never a panic, never a wait without end. The servers are
//! wiremock on loopback: the emulator only answers well-formed replies.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use entrad_testkit::token_service;
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Emulator, closed_address, entrad, entrad_process, stderr_of, write_json};

/// The longest lifetime entrad trusts a token to have: 28 hours.
const MAX_LIFETIME: u64 = 28 * 3600;
/// Stops a hung `entrad` (the bug some of these guard against) instead of the test run.
const HUNG: Duration = Duration::from_secs(60);
/// A bearer token as the wire carries one (not a JWT: only its bytes matter here).
const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJ4IjoxfQ.c2ln";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `entrad token`'s JSON, after checking it succeeded.
fn token_info(cmd: &mut Command) -> Value {
    let output = cmd.timeout(HUNG).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The token lives at most 28 hours (and, from a service that said more,
/// close to that: it was cut, not dropped).
fn assert_cut_to_28_hours(info: &Value) {
    let expires_in = info["expires_in"].as_u64().unwrap();
    assert!(
        (MAX_LIFETIME - 600..=MAX_LIFETIME).contains(&expires_in),
        "{info}"
    );
    assert!(!info["expires_on"].as_str().unwrap().is_empty(), "{info}");
}

/// An App Service managed identity endpoint answering every request with `body`.
fn app_service_answering(runtime: &Runtime, body: Value) -> MockServer {
    runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/msi/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        server
    })
}

/// `entrad token` on an App Service host whose endpoint is `server`.
fn token_on_app_service(server: &MockServer) -> Command {
    let mut cmd = entrad();
    cmd.env("IDENTITY_ENDPOINT", format!("{}/msi/token", server.uri()))
        .env("IDENTITY_HEADER", "the-identity-header")
        .args(["token", "--managed-identity", "system"]);
    cmd
}

#[test]
fn a_far_future_expiry_from_a_managed_identity_endpoint_is_cut_to_28_hours() {
    let runtime = Runtime::new().unwrap();
    let far = (now() + 1_000_000_000_000).to_string();
    for lifetime in [
        json!({"expires_on": far}),
        json!({"expires_in": "1000000000000"}),
        json!({"expires_on": u64::MAX.to_string()}),
        json!({"expires_on": 1e300}),
    ] {
        let mut body = json!({
            "access_token": TOKEN,
            "resource": "https://graph.microsoft.com",
            "token_type": "Bearer",
        });
        body.as_object_mut()
            .unwrap()
            .extend(lifetime.as_object().unwrap().clone());
        let server = app_service_answering(&runtime, body);
        let info = token_info(&mut token_on_app_service(&server));
        assert_cut_to_28_hours(&info);
        assert_eq!(
            info["source"],
            "managed identity (App Service, system-assigned)"
        );
    }
}

/// A child process killed when dropped (a failing test leaves no broker behind).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `entrad serve` passes on what it was given only within the rules: its
/// upstream (a managed identity endpoint) says the token lives a thousand
/// years, its callers hear at most 28 hours.
#[test]
fn the_broker_never_answers_an_absurd_expires_on() {
    use std::io::{BufRead as _, Read as _, Write as _};
    let runtime = Runtime::new().unwrap();
    let server = app_service_answering(
        &runtime,
        json!({
            "access_token": TOKEN,
            "expires_on": (now() + 1_000_000_000_000).to_string(),
            "resource": "https://graph.microsoft.com",
            "token_type": "Bearer",
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let header_file = dir.path().join("identity-header");
    let mut child = entrad_process()
        .env("IDENTITY_ENDPOINT", format!("{}/msi/token", server.uri()))
        .env("IDENTITY_HEADER", "the-upstream-header")
        .args([
            "--managed-identity",
            "system",
            "serve",
            "--identity-header-file",
        ])
        .arg(&header_file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _broker = Killed(child);
    let mut ready = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut ready)
        .unwrap();
    let ready: Value = serde_json::from_str(&ready).unwrap();
    let address = ready["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://")
        .unwrap();
    let secret = std::fs::read_to_string(&header_file).unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com HTTP/1.1\r\nHost: {address}\r\nX-IDENTITY-HEADER: {secret}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
    let body: Value = serde_json::from_str(body).unwrap();
    let expires_on: u64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on <= now() + MAX_LIFETIME, "{body}");
    assert!(expires_on >= now() + MAX_LIFETIME - 600, "{body}");
}

#[test]
fn control_characters_in_a_managed_identity_token_are_a_malformed_reply() {
    let runtime = Runtime::new().unwrap();
    for token in [
        "eyJ0eXAi\u{1}.x.y",
        "eyJ0eXAi.x.y\r\nX-Injected: 1",
        "eyJ0 eXAi.x.y",
    ] {
        let server = app_service_answering(
            &runtime,
            json!({"access_token": token, "expires_in": "3599", "token_type": "Bearer"}),
        );
        let output = token_on_app_service(&server)
            .timeout(HUNG)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(1), "{token:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("App Service answered 200 but"), "{stderr}");
        assert!(stderr.contains("visible ASCII"), "{stderr}");
        assert!(!stderr.contains("eyJ0"), "{stderr}");
        assert!(output.stdout.is_empty());
        // Refused as malformed, not retried as if the network had failed.
        let requests = runtime.block_on(server.received_requests()).unwrap();
        assert_eq!(requests.len(), 1, "{token:?}");
    }
}

#[test]
fn a_far_future_token_service_lifetime_is_cut_and_so_is_a_cache_entry_claiming_more() {
    let runtime = Runtime::new().unwrap();
    let tenant = "contoso.onmicrosoft.com";
    let server = runtime.block_on(async {
        let server = token_service::start(tenant).await;
        // Instance discovery, asked of a host that is not a known Entra instance.
        Mock::given(method("GET"))
            .and(path("/common/discovery/instance"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "tenant_discovery_endpoint": format!("{}{}", server.uri(), token_service::metadata_path(tenant)),
            })))
            .mount(&server)
            .await;
        token_service::mount_token(
            &server,
            tenant,
            token_service::token_ok(TOKEN, 1_000_000_000_000),
        )
        .await;
        server
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.json");
    let run = |authority_host: &str| {
        let mut cmd = entrad();
        cmd.env("AZURE_AUTHORITY_HOST", authority_host)
            .env("AZURE_TENANT_ID", tenant)
            .env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
            .env("AZURE_CLIENT_SECRET", "a-client-secret")
            .env("ENTRAD_CACHE", format!("file:{}", cache.display()))
            .args(["--allow-insecure-loopback", "token"]);
        cmd
    };
    let info = token_info(&mut run(&server.uri()));
    assert_cut_to_28_hours(&info);
    assert_eq!(info["from_cache"], false);

    // The entry as another writer could leave it: obtained now, "expiring" in
    // the year 584 billion.
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    let entries = doc["AccessToken"].as_object_mut().unwrap();
    assert_eq!(entries.len(), 1);
    for entry in entries.values_mut() {
        assert!(
            entry["expires_on"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                <= now() + MAX_LIFETIME
        );
        entry["cached_at"] = json!(now().to_string());
        entry["expires_on"] = json!(u64::MAX.to_string());
        entry["extended_expires_on"] = json!(u64::MAX.to_string());
        entry["refresh_on"] = json!(u64::MAX.to_string());
    }
    std::fs::write(&cache, serde_json::to_vec(&doc).unwrap()).unwrap();
    drop(server);
    // Offline: the token service is gone, the cache serves, cut to 28 hours.
    let offline = format!("http://{}", closed_address());
    let info = token_info(&mut run(&offline));
    assert_eq!(info["from_cache"], true);
    assert_cut_to_28_hours(&info);
}

#[test]
fn a_half_megabyte_authority_is_a_configuration_error_that_does_not_quote_it() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = "a".repeat(500 * 1024);
    let parameters = write_json(
        dir.path(),
        "parameters.json",
        &json!({
            "authority": format!("https://{}/{tenant}", closed_address()),
            "client_id": "00000000-0000-0000-0000-000000000001",
            "scope": ["https://graph.microsoft.com/.default"],
            "secret": "not-a-placeholder-secret",
            "endpoint": "https://graph.microsoft.com/v1.0/users",
        }),
    );
    let output = entrad()
        .arg("run")
        .arg(&parameters)
        .timeout(HUNG)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        &stderr[..stderr.len().min(300)]
    );
    assert_eq!(stderr.trim_end().lines().count(), 1);
    assert!(stderr.len() < 300, "{}", &stderr[..300]);
    assert!(stderr.contains("at most 2048"), "{stderr}");
}

#[test]
fn a_wrong_service_fabric_thumbprint_says_thumbprint_not_ca_file() {
    let emulator = Emulator::start(1);
    let output = emulator
        .on_host("service-fabric")
        .env("IDENTITY_SERVER_THUMBPRINT", "00".repeat(20))
        .args(["token", "--managed-identity", "system"])
        .timeout(HUNG)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("IDENTITY_SERVER_THUMBPRINT"), "{stderr}");
    assert!(stderr.contains("check the thumbprint"), "{stderr}");
    assert!(!stderr.contains("--ca-file"), "{stderr}");
}

/// An Azure Arc agent on `server`: 401 with `challenge` without the key, a
/// token with `Authorization: Basic <key>`.
fn arc_agent(runtime: &Runtime, challenge: &str, key: &str) -> MockServer {
    runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/arc/token"))
            .and(header("authorization", format!("Basic {key}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": TOKEN,
                "expires_in": 3599,
                "token_type": "Bearer",
                "resource": "https://graph.microsoft.com",
            })))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/arc/token"))
            .respond_with(
                ResponseTemplate::new(401)
                    .insert_header("WWW-Authenticate", challenge)
                    .set_body_json(json!({"error": "unauthorized"})),
            )
            .mount(&server)
            .await;
        server
    })
}

fn token_on_arc(server: &MockServer, key_dir: &Path) -> Command {
    let mut cmd = entrad();
    cmd.env("IDENTITY_ENDPOINT", format!("{}/arc/token", server.uri()))
        .env("IMDS_ENDPOINT", format!("{}/arc", server.uri()))
        .env("ENTRAD_AZURE_ARC_KEY_DIR", key_dir)
        .args(["token", "--managed-identity", "system"])
        .timeout(HUNG);
    cmd
}

#[test]
fn an_arc_challenge_with_a_quoted_windows_realm_and_a_charset_is_read() {
    let runtime = Runtime::new().unwrap();
    let key_dir = tempfile::tempdir().unwrap();
    std::fs::write(key_dir.path().join("x.key"), "the-arc-key").unwrap();
    let server = arc_agent(
        &runtime,
        r#"Basic realm="C:\ProgramData\AzureConnectedMachineAgent\Tokens\x.key", charset="UTF-8""#,
        "the-arc-key",
    );
    let info = token_info(&mut token_on_arc(&server, key_dir.path()));
    assert_eq!(
        info["source"],
        "managed identity (Azure Arc, system-assigned)"
    );
    let requests = runtime.block_on(server.received_requests()).unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].headers.get("authorization").unwrap(),
        "Basic the-arc-key"
    );
}

#[cfg(unix)]
#[test]
fn an_arc_key_file_that_is_a_fifo_is_refused_at_once() {
    let runtime = Runtime::new().unwrap();
    let key_dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(key_dir.path().join("x.key"))
        .status()
        .unwrap();
    assert!(made.success());
    let server = arc_agent(&runtime, "Basic realm=/var/opt/azcmagent/tokens/x.key", "k");
    let output = token_on_arc(&server, key_dir.path()).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("x.key"), "{stderr}");
    assert!(stderr.contains("a FIFO, not a regular file"), "{stderr}");
}
