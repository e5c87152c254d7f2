//! `entrad serve`, the token broker: the real binary fed by an emulator child
//! process, asked by real managed identity clients (azure-identity, MSAL Python,
//! MSAL Node) in the App Service and IMDS forms, and by raw HTTP for the refusals.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::support::{AZURE_VARS, Emulator, entrad_process, fresh_redis_cache};

const GRAPH: &str = "https://graph.microsoft.com";

/// An `entrad serve` child process (killed on drop).
struct Broker {
    child: Child,
    /// `host:port` of its TCP listener.
    address: String,
    header: String,
    header_file: PathBuf,
    stderr_file: PathBuf,
    dir: tempfile::TempDir,
}

impl Broker {
    /// `entrad serve` for the emulator's app (secret), with the token cache
    /// `cache` and the extra serve flags `extra`.
    fn start(emulator: &Emulator, cache: &str, extra: &[&str]) -> Broker {
        Broker::start_with(
            emulator,
            cache,
            &[
                "--config".as_ref(),
                emulator.file("parameters.json").as_os_str(),
            ],
            extra,
        )
    }

    fn start_with(
        emulator: &Emulator,
        cache: &str,
        identity: &[&std::ffi::OsStr],
        extra: &[&str],
    ) -> Broker {
        Broker::start_on_host(emulator, cache, identity, extra, &[])
    }

    /// A broker with the variables `host` (e.g. a managed identity's) set.
    fn start_on_host(
        emulator: &Emulator,
        cache: &str,
        identity: &[&std::ffi::OsStr],
        extra: &[&str],
        host: &[(String, String)],
    ) -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let header_file = dir.path().join("identity-header");
        let stderr_file = dir.path().join("stderr");
        // No credential or managed identity variable of the test's own, and
        // IMDS at a closed loopback port unless `host` says otherwise.
        let mut command = entrad_process();
        command
            .env_remove("RUST_LOG")
            .envs(host.iter().cloned())
            .args(identity)
            .arg("--ca-file")
            .arg(emulator.ca_file())
            .args(["--no-instance-discovery", "--cache", cache, "serve"])
            .arg("--identity-header-file")
            .arg(&header_file)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_file).unwrap());
        let mut child = command.spawn().unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let ready: Value = serde_json::from_str(&ready).unwrap_or_else(|_| {
            panic!(
                "no ready line from entrad serve: {}",
                std::fs::read_to_string(&stderr_file).unwrap_or_default()
            )
        });
        let url = ready["url"].as_str().unwrap();
        let header = std::fs::read_to_string(&header_file).unwrap();
        Broker {
            child,
            address: url.strip_prefix("http://").unwrap().to_owned(),
            header,
            header_file,
            stderr_file,
            dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// GET `target` with `headers`: status and JSON body (`null` when not JSON).
    fn get(&self, target: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let stream = std::net::TcpStream::connect(&self.address).unwrap();
        let (status, body) = http_get(stream, target, headers);
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// An App Service token request for `resource` with the right header.
    fn app_service(&self, resource: &str) -> (u16, Value) {
        let target = format!("/msi/token?api-version=2019-08-01&resource={resource}");
        self.get(&target, &[("X-IDENTITY-HEADER", &self.header.clone())])
    }

    /// What the broker wrote on stderr.
    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap()
    }

    /// Its audit lines (JSON).
    fn audit(&self) -> Vec<Value> {
        self.stderr()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["audit"] == "token_issued")
            .collect()
    }

    /// The environment a managed identity client needs: App Service form or IMDS form.
    fn client_env(&self, imds: bool) -> Vec<(&'static str, String)> {
        if imds {
            vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST", self.url())]
        } else {
            vec![
                ("IDENTITY_ENDPOINT", format!("{}/msi/token", self.url())),
                ("IDENTITY_HEADER", self.header.clone()),
            ]
        }
    }

    /// Sends SIGTERM and waits for the exit.
    fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "entrad serve ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 GET over `stream`, read to the end: status and body.
fn http_get(
    mut stream: impl Read + Write,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut request = format!("GET {target} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request.push_str("Host: localhost\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

/// Runs a client driver (`program` + `args`) with `env`; its one JSON line.
fn run_client(program: &Path, args: &[&std::ffi::OsStr], env: &[(&str, String)]) -> Value {
    let mut command = Command::new(program);
    command.args(args);
    for var in AZURE_VARS.iter().chain(&[
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "IMDS_ENDPOINT",
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "IDENTITY_SERVER_THUMBPRINT",
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    ]) {
        command.env_remove(var);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{} failed: {}{}",
        program.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("no JSON line: {stdout}"))
}

fn driver(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/serve")
        .join(name)
}

#[test]
fn python_clients_get_tokens_in_both_forms_and_list_users() {
    let emulator = Emulator::start(7);
    let broker = Broker::start(&emulator, "memory", &["--imds"]);
    let python = entrad_testkit::python().unwrap();
    let script = driver("mi_client.py");
    let graph = emulator.child().url().to_owned();
    for (mode, imds) in [
        ("azure-identity", false),
        ("azure-identity", true),
        ("msal", false),
        ("msal", true),
    ] {
        let answer = run_client(
            &python,
            &[
                script.as_os_str(),
                mode.as_ref(),
                graph.as_ref(),
                emulator.ca_file().as_os_str(),
            ],
            &broker.client_env(imds),
        );
        assert_eq!(answer["users"], 7, "{mode} imds={imds}");
    }
    let audit = broker.audit();
    assert_eq!(audit.len(), 4, "{}", broker.stderr());
    let protocols: Vec<&str> = audit
        .iter()
        .map(|a| a["protocol"].as_str().unwrap())
        .collect();
    assert_eq!(protocols, ["app_service", "imds", "app_service", "imds"]);
    assert_eq!(audit[0]["cache"], "miss");
    assert!(audit[1..].iter().all(|a| a["cache"] == "hit"), "{audit:?}");
    assert!(
        audit
            .iter()
            .all(|a| a["caller"].as_str().unwrap().starts_with("127.0.0.1:"))
    );
    assert_eq!(emulator.stats().route("token"), 1);
}

#[test]
fn msal_node_gets_tokens_in_both_forms_and_lists_users() {
    let emulator = Emulator::start(4);
    let broker = Broker::start(&emulator, "memory", &["--imds"]);
    let node = entrad_testkit::node().unwrap();
    let script = driver("mi_client.js");
    let graph = emulator.child().url().to_owned();
    for (imds, source) in [(false, "AppService"), (true, "DefaultToImds")] {
        let mut env = broker.client_env(imds);
        env.push((
            "NODE_EXTRA_CA_CERTS",
            emulator.ca_file().display().to_string(),
        ));
        env.push((
            "NODE_PATH",
            entrad_testkit::node_dir()
                .join("node_modules")
                .display()
                .to_string(),
        ));
        let answer = run_client(&node, &[script.as_os_str(), graph.as_ref()], &env);
        assert_eq!(answer["users"], 4, "imds={imds}");
        assert_eq!(answer["source"], source);
    }
    assert_eq!(broker.audit().len(), 2, "{}", broker.stderr());
}

#[test]
fn answers_in_the_shapes_clients_parse_and_never_logs_the_token() {
    let emulator = Emulator::start(1);
    let broker = Broker::start(&emulator, "memory", &["--imds"]);
    let (status, app_service) = broker.app_service(GRAPH);
    assert_eq!(status, 200, "{app_service}");
    let token = app_service["access_token"].as_str().unwrap().to_owned();
    let client_id = emulator.parameters("parameters.json")["client_id"].clone();
    assert_eq!(app_service["client_id"], client_id);
    assert_eq!(app_service["resource"], GRAPH);
    assert_eq!(app_service["token_type"], "Bearer");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expires_on: u64 = app_service["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > now + 600, "{expires_on}");
    let (status, imds) = broker.get(
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/",
        &[("Metadata", "true")],
    );
    assert_eq!(status, 200, "{imds}");
    assert_eq!(imds["access_token"], token.as_str());
    assert_eq!(imds["expires_on"], app_service["expires_on"]);
    let expires_in: u64 = imds["expires_in"].as_str().unwrap().parse().unwrap();
    assert!(
        expires_in > 600 && expires_in <= expires_on - now + 1,
        "{expires_in}"
    );
    assert_eq!(imds["resource"], "https://graph.microsoft.com/");
    // The same client_id is accepted; another is not.
    let id = client_id.as_str().unwrap();
    let (status, _) = broker.get(
        &format!("/msi/token?api-version=2019-08-01&resource={GRAPH}&client_id={id}"),
        &[("X-IDENTITY-HEADER", &broker.header)],
    );
    assert_eq!(status, 200);
    let (status, body) = broker.get(
        &format!("/msi/token?api-version=2019-08-01&resource={GRAPH}&client_id=00000000-0000-0000-0000-000000000000"),
        &[("X-IDENTITY-HEADER", &broker.header)],
    );
    assert_eq!(
        (status, body["statusCode"].as_u64()),
        (400, Some(400)),
        "{body}"
    );
    let stderr = broker.stderr();
    assert!(
        !stderr.contains(&token),
        "the token is in the broker's stderr"
    );
    assert!(
        !stderr.contains(&broker.header),
        "the header secret is in the broker's stderr"
    );
}

#[test]
fn the_header_is_enforced_and_refusals_say_why() {
    let emulator = Emulator::start(1);
    let broker = Broker::start(&emulator, "memory", &[]);
    let target = format!("/msi/token?api-version=2019-08-01&resource={GRAPH}");
    let (status, body) = broker.get(&target, &[]);
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("X-IDENTITY-HEADER is missing"),
        "{body}"
    );
    let mut wrong = broker.header.clone().into_bytes();
    wrong[0] = if wrong[0] == b'a' { b'b' } else { b'a' };
    let (status, _) = broker.get(
        &target,
        &[("X-IDENTITY-HEADER", std::str::from_utf8(&wrong).unwrap())],
    );
    assert_eq!(status, 401);
    let (status, body) = broker.app_service("https://vault.azure.net");
    assert_eq!(status, 400);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("--allow-resource") && message.contains("https://vault.azure.net"),
        "{message}"
    );
    let header = broker.header.clone();
    for (name, value, expected) in [
        ("X-Forwarded-For", "10.0.0.1", 400),
        ("Origin", "https://evil.example", 403),
        ("Host", "rebound.example", 403),
    ] {
        let (status, body) = broker.get(&target, &[("X-IDENTITY-HEADER", &header), (name, value)]);
        assert_eq!(status, expected, "{name}: {body}");
    }
    let (status, _) = broker.get(
        &format!("/msi/token?api-version=2017-09-01&resource={GRAPH}"),
        &[("X-IDENTITY-HEADER", &header)],
    );
    assert_eq!(status, 400);
    let (status, _) = broker.get(
        &format!("{target}&pad={}", "x".repeat(5000)),
        &[("X-IDENTITY-HEADER", &header)],
    );
    assert_eq!(status, 414);
    // The IMDS form is off unless asked for.
    let (status, _) = broker.get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com", &[("Metadata", "true")]);
    assert_eq!(status, 404);
    assert_eq!(
        emulator.stats().route("token"),
        0,
        "no refused request reached the token service"
    );
    assert!(broker.audit().is_empty());
    let (status, _) = broker.get("/healthz", &[]);
    assert_eq!(status, 200);
    let stream = std::net::TcpStream::connect(&broker.address).unwrap();
    let (status, metrics) = http_get(stream, "/metrics", &[]);
    assert_eq!(status, 200);
    for line in [
        "entrad_serve_requests_refused_total{reason=\"header\"} 2",
        "entrad_serve_requests_refused_total{reason=\"resource\"} 1",
        "entrad_serve_requests_refused_total{reason=\"forwarded\"} 1",
        "entrad_serve_requests_refused_total{reason=\"origin\"} 1",
        "entrad_serve_requests_refused_total{reason=\"host\"} 1",
        "entrad_serve_requests_refused_total{reason=\"size\"} 1",
        "entrad_serve_upstream_token_requests_total 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing:\n{metrics}"
        );
    }
}

#[test]
fn imds_form_needs_the_metadata_header() {
    let emulator = Emulator::start(1);
    let broker = Broker::start(&emulator, "memory", &["--imds"]);
    let target = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com";
    let (status, body) = broker.get(target, &[]);
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request", "{body}");
    let (status, body) = broker.get(
        target,
        &[("Metadata", "true"), ("X-Forwarded-For", "10.0.0.1")],
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request");
    let (status, body) = broker.get(
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com",
        &[("Metadata", "true")],
    );
    assert_eq!(status, 400);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("--allow-resource"),
        "{body}"
    );
    let (status, _) = broker.get(target, &[("Metadata", "true")]);
    assert_eq!(status, 200);
}

#[test]
fn unix_socket_callers_are_audited_by_uid_and_sigterm_cleans_up() {
    use std::os::unix::fs::PermissionsExt;
    let emulator = Emulator::start(1);
    let socket_dir = tempfile::tempdir().unwrap();
    let socket = socket_dir.path().join("entrad.sock");
    let mut broker = Broker::start(
        &emulator,
        "memory",
        &["--unix-socket", socket.to_str().unwrap()],
    );
    let mode = std::fs::metadata(&broker.header_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let stream = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    let (status, _) = http_get(
        stream,
        &format!("/msi/token?api-version=2019-08-01&resource={GRAPH}"),
        &[("X-IDENTITY-HEADER", &broker.header)],
    );
    assert_eq!(status, 200);
    let audit = broker.audit();
    let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(broker.dir.path()).unwrap());
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["caller"], format!("unix:uid={uid}"));
    // A connection open when SIGTERM arrives still gets its answer.
    let mut open = std::net::TcpStream::connect(&broker.address).unwrap();
    open.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = broker.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(200));
    open.write_all(b"Connection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    open.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = broker.terminate();
    assert!(status.success(), "{status:?}: {}", broker.stderr());
    assert!(
        !broker.header_file.exists(),
        "the header file outlived the broker"
    );
    assert!(!socket.exists(), "the socket outlived the broker");
}

#[test]
fn print_env_gives_the_exports_and_the_file_holds_the_same_secret() {
    let emulator = Emulator::start(1);
    let dir = tempfile::tempdir().unwrap();
    let header_file = dir.path().join("header");
    // Without the environment's AZURE_* and IDENTITY_* variables: the exports are
    // the broker's own.
    let mut child = entrad_process()
        .arg("--config")
        .arg(emulator.file("parameters.json"))
        .arg("--ca-file")
        .arg(emulator.ca_file())
        .args([
            "--cache",
            "memory",
            "serve",
            "--imds",
            "--print-env",
            "--identity-header-file",
        ])
        .arg(&header_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut exports = std::collections::HashMap::new();
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        exports.insert(name.to_owned(), value.to_owned());
    }
    let _ = child.kill();
    let _ = child.wait();
    let endpoint = &exports["IDENTITY_ENDPOINT"];
    assert!(
        endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/msi/token"),
        "{endpoint}"
    );
    assert_eq!(
        exports["AZURE_POD_IDENTITY_AUTHORITY_HOST"],
        endpoint.trim_end_matches("/msi/token")
    );
    assert_eq!(
        exports["IDENTITY_HEADER"],
        std::fs::read_to_string(&header_file).unwrap()
    );
}

#[test]
fn four_brokers_sharing_redis_make_one_token_request() {
    let emulator = Emulator::start(1);
    let cache = fresh_redis_cache();
    let brokers: Vec<Broker> = (0..4)
        .map(|_| Broker::start(&emulator, &cache, &[]))
        .collect();
    let tokens: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = brokers
            .iter()
            .flat_map(|broker| (0..6).map(move |_| broker))
            .map(|broker| {
                scope.spawn(move || {
                    let (status, body) = broker.app_service(GRAPH);
                    assert_eq!(status, 200, "{body}");
                    body["access_token"].as_str().unwrap().to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(tokens.len(), 24);
    let distinct: std::collections::BTreeSet<&String> = tokens.iter().collect();
    let audits: Vec<Vec<Value>> = brokers.iter().map(Broker::audit).collect();
    assert_eq!(
        distinct.len(),
        1,
        "the brokers handed out different tokens: {audits:?}"
    );
    assert_eq!(
        emulator.stats().route("token"),
        1,
        "one token request for the fleet"
    );
    let misses: usize = brokers
        .iter()
        .map(|b| b.audit().iter().filter(|a| a["cache"] == "miss").count())
        .sum();
    assert_eq!(misses, 1, "one broker's caller made the request");
    let joined_or_hit = brokers
        .iter()
        .flat_map(|b| b.audit())
        .filter(|a| a["cache"] == "joined" || a["cache"] == "hit")
        .count();
    assert_eq!(joined_or_hit, 23);
}

#[test]
fn a_second_broker_on_the_same_header_file_is_refused_and_the_first_keeps_serving() {
    let emulator = Emulator::start(1);
    let first = Broker::start(&emulator, "memory", &[]);
    let output = emulator
        .configured()
        .arg("serve")
        .arg("--identity-header-file")
        .arg(&first.header_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("another entrad serve is using the identity header file"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    // The first broker's secret is still the file's, and still works.
    assert_eq!(
        std::fs::read_to_string(&first.header_file).unwrap(),
        first.header
    );
    assert_eq!(first.app_service(GRAPH).0, 200);
}

#[test]
fn the_header_file_is_created_new_never_through_a_symlink_over_a_file_or_in_a_shared_directory() {
    use std::os::unix::fs::PermissionsExt;
    let emulator = Emulator::start(1);
    // Exit 2 with one line on stderr; a broker that starts instead is stopped
    // at its ready line and fails the test.
    let refused = |path: &Path| {
        let mut child = entrad_process()
            .arg("--config")
            .arg(emulator.file("parameters.json"))
            .arg("--ca-file")
            .arg(emulator.ca_file())
            .arg("serve")
            .arg("--identity-header-file")
            .arg(path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        if !ready.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("entrad serve started with {}: {ready}", path.display());
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        stderr
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    // A symlink to a file someone else reads: the target keeps its content and mode.
    let target = dir.path().join("target");
    std::fs::write(&target, "keep").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let stderr = refused(&link);
    assert!(
        stderr.contains(&format!(
            "the identity header file {} already exists as a symbolic link",
            link.display()
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644);
    // An existing file, private and held open by whoever made it.
    let existing = dir.path().join("existing");
    std::fs::write(&existing, "someone's").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o600)).unwrap();
    let _held = std::fs::File::open(&existing).unwrap();
    let stderr = refused(&existing);
    assert!(
        stderr.contains(&format!(
            "the identity header file {} already exists",
            existing.display()
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "someone's");
    // A directory its group or others can write.
    for shared_mode in [0o770, 0o703] {
        let shared = dir.path().join(format!("shared-{shared_mode:o}"));
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(shared_mode)).unwrap();
        let stderr = refused(&shared.join("header"));
        assert!(
            stderr.contains(&format!(
                "the directory {} of the identity header file is writable by",
                shared.display()
            )),
            "{stderr}"
        );
        assert_eq!(std::fs::read_dir(&shared).unwrap().count(), 0);
    }
}

#[test]
fn refuses_a_listen_address_off_loopback() {
    let emulator = Emulator::start(1);
    let output = emulator
        .configured()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--listen 0.0.0.0:0 is not a loopback address"),
        "{stderr}"
    );
}

#[test]
fn a_certificate_file_replaced_on_disk_signs_the_next_token_request() {
    let emulator = Emulator::start(1);
    let parameters = emulator.parameters("parameters-certificate.json");
    let client_id = parameters["client_id"].as_str().unwrap().to_owned();
    let old_thumbprint = parameters["thumbprint"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("app.pem");
    let combined = |key: &Path, cert: &Path| {
        format!(
            "{}{}",
            std::fs::read_to_string(key).unwrap(),
            std::fs::read_to_string(cert).unwrap()
        )
    };
    std::fs::write(
        &pem,
        combined(
            &emulator.file("app-key.pem"),
            &emulator.file("app-cert.pem"),
        ),
    )
    .unwrap();
    let authority = parameters["authority"].as_str().unwrap();
    let identity = [
        "--authority".as_ref(),
        authority.as_ref(),
        "--client-id".as_ref(),
        client_id.as_ref(),
        "--certificate".as_ref(),
        pem.as_os_str(),
    ];
    // Graph by its URI and by its app id: two scopes, so the second needs a new token request.
    let broker = Broker::start_with(
        &emulator,
        "memory",
        &identity,
        &[
            "--allow-resource",
            GRAPH,
            "--allow-resource",
            "00000003-0000-0000-c000-000000000000",
        ],
    );
    assert_eq!(broker.app_service(GRAPH).0, 200);
    // Rotation: a new certificate registered, the old one removed, the file replaced.
    let (new_key, new_cert) = (
        dir.path().join("new-key.pem"),
        dir.path().join("new-cert.pem"),
    );
    let openssl = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rotated",
            "-keyout",
        ])
        .arg(&new_key)
        .arg("-out")
        .arg(&new_cert)
        .output()
        .unwrap();
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );
    let child = emulator.child();
    child
        .block_on(
            child
                .admin()
                .add_certificate(&client_id, &std::fs::read_to_string(&new_cert).unwrap()),
        )
        .unwrap();
    child
        .block_on(
            child
                .admin()
                .remove_certificate(&client_id, &old_thumbprint),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let staged = dir.path().join("app.pem.new");
    std::fs::write(&staged, combined(&new_key, &new_cert)).unwrap();
    std::fs::rename(&staged, &pem).unwrap();
    let (status, body) = broker.app_service("00000003-0000-0000-c000-000000000000");
    assert_eq!(
        status, 200,
        "the broker kept signing with the removed certificate: {body}"
    );
    assert_eq!(emulator.stats().route("token"), 2);
}

#[test]
fn an_unavailable_token_service_is_a_503_in_the_protocol_shape_and_counted() {
    let emulator = Emulator::start(1);
    emulator.add_fault(serde_json::json!({"route": "token", "kind": "503"}));
    let parameters = emulator.file("parameters.json");
    let identity = [
        "--config".as_ref(),
        parameters.as_os_str(),
        "--max-attempts".as_ref(),
        "1".as_ref(),
    ];
    let broker = Broker::start_with(&emulator, "memory", &identity, &[]);
    let (status, body) = broker.app_service(GRAPH);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["statusCode"], 503);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no token from the token service"),
        "{body}"
    );
    assert!(broker.audit().is_empty());
    let stream = std::net::TcpStream::connect(&broker.address).unwrap();
    let (_, metrics) = http_get(stream, "/metrics", &[]);
    assert!(
        metrics
            .lines()
            .any(|l| l == "entrad_serve_upstream_errors_total{kind=\"unavailable\"} 1"),
        "{metrics}"
    );
}

#[test]
fn with_a_managed_identity_upstream_the_answer_names_the_identitys_client_id_and_refuses_others() {
    let emulator = Emulator::start(1);
    let host = emulator.on_host_env("app-service");
    let identity = ["--managed-identity".as_ref(), "system".as_ref()];
    let broker = Broker::start_on_host(&emulator, "memory", &identity, &["--imds"], &host);
    let (status, body) = broker.app_service(GRAPH);
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    let client_id = body["client_id"].as_str().unwrap();
    assert_eq!(
        (client_id.len(), client_id.matches('-').count()),
        (36, 4),
        "not a GUID: {body}"
    );
    assert_eq!(claims["appid"], client_id);
    let app = emulator.parameters("parameters.json")["client_id"].clone();
    assert_ne!(
        serde_json::json!(client_id),
        app,
        "the managed identity is not the app"
    );
    // Its own client id is accepted, in any case; another identity's is refused
    // (the app's too), and so is every other way of naming one.
    let app = app.as_str().unwrap();
    let upper = client_id.to_uppercase();
    for (asked, expected) in [(client_id, 200), (upper.as_str(), 200), (app, 400)] {
        let (status, body) = broker.get(
            &format!("/msi/token?api-version=2019-08-01&resource={GRAPH}&client_id={asked}"),
            &[("X-IDENTITY-HEADER", &broker.header)],
        );
        assert_eq!(status, expected, "client_id={asked}: {body}");
        if expected == 400 {
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("client_id {asked} is not this broker's identity"))
                    && message.contains(client_id),
                "{message}"
            );
            assert!(body.get("access_token").is_none(), "{body}");
        }
    }
    assert_other_identities_refused(&broker);
    assert_eq!(broker.audit().len(), 3, "{}", broker.stderr());
}

/// Each parameter naming a user-assigned identity is refused in both forms,
/// naming the parameter, and hands out no token.
fn assert_other_identities_refused(broker: &Broker) {
    let audited = broker.audit().len();
    for name in ["object_id", "principal_id", "mi_res_id", "msi_res_id"] {
        let query = format!(
            "api-version=2019-08-01&resource={GRAPH}&{name}=00000000-0000-0000-0000-000000000001"
        );
        let (status, body) = broker.get(
            &format!("/msi/token?{query}"),
            &[("X-IDENTITY-HEADER", &broker.header)],
        );
        assert_eq!(status, 400, "{name}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{name} names a user-assigned identity")),
            "{message}"
        );
        let (status, body) = broker.get(
            &format!("/metadata/identity/oauth2/token?{query}"),
            &[("Metadata", "true")],
        );
        assert_eq!(
            (status, &body["error"]),
            (400, &Value::from("invalid_request")),
            "{name}: {body}"
        );
        assert!(
            body["error_description"].as_str().unwrap().contains(name),
            "{body}"
        );
    }
    assert_eq!(
        broker.audit().len(),
        audited,
        "a refused request got a token"
    );
}

#[test]
fn naming_another_identity_is_refused_without_asking_the_token_service() {
    let emulator = Emulator::start(1);
    let broker = Broker::start(&emulator, "memory", &["--imds"]);
    assert_other_identities_refused(&broker);
    assert_eq!(emulator.stats().route("token"), 0);
    let stream = std::net::TcpStream::connect(&broker.address).unwrap();
    let (_, metrics) = http_get(stream, "/metrics", &[]);
    assert!(
        metrics
            .lines()
            .any(|l| l == "entrad_serve_requests_refused_total{reason=\"parameters\"} 8"),
        "{metrics}"
    );
}

#[test]
fn never_logs_the_token_or_the_header_even_at_trace_level() {
    let emulator = Emulator::start(1);
    let parameters = emulator.file("parameters.json");
    let identity = ["-vvv".as_ref(), "--config".as_ref(), parameters.as_os_str()];
    let broker = Broker::start_with(&emulator, "memory", &identity, &["--imds"]);
    // A miss, a hit, both forms, and refusals that echo what the caller sent.
    let (status, body) = broker.app_service(GRAPH);
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(broker.app_service(GRAPH).1["access_token"], token.as_str());
    let (status, _) = broker.get(
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com",
        &[("Metadata", "true")],
    );
    assert_eq!(status, 200);
    let mut wrong = broker.header.clone().into_bytes();
    wrong[0] = if wrong[0] == b'a' { b'b' } else { b'a' };
    let wrong = String::from_utf8(wrong).unwrap();
    let (status, _) = broker.get(
        &format!("/msi/token?api-version=2019-08-01&resource={GRAPH}"),
        &[("X-IDENTITY-HEADER", &wrong)],
    );
    assert_eq!(status, 401);
    let stderr = broker.stderr();
    // Proof that the verbose levels were on: the token request's debug lines are there.
    assert!(
        stderr.contains("DEBUG entrad_auth::token_request"),
        "not verbose:\n{stderr}"
    );
    assert_eq!(broker.audit().len(), 3, "{stderr}");
    for (what, secret) in [
        ("the token", token.as_str()),
        ("the header secret", broker.header.as_str()),
        ("a presented header", wrong.as_str()),
    ] {
        assert!(
            !stderr.contains(secret),
            "{what} is in the broker's stderr at -vvv"
        );
    }
    // Nor any part of the token that identifies it (its signature).
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !stderr.contains(signature),
        "the token's signature is in the broker's stderr"
    );
}

/// Polls the broker's `/metrics` over its Unix socket (a budget of its own,
/// so it answers whatever the TCP callers do) until `line` is there.
fn wait_for_metric(socket: &Path, line: &str) -> String {
    let name = line.split(['{', ' ']).next().unwrap();
    loop {
        let stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
        let (status, metrics) = http_get(stream, "/metrics", &[]);
        assert_eq!(status, 200, "{metrics}");
        assert!(metrics.contains(name), "no {name} in\n{metrics}");
        if metrics.lines().any(|l| l == line) {
            return metrics;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn connections_that_never_finish_a_head_cannot_keep_a_complete_request_out() {
    let emulator = Emulator::start(1);
    let socket_dir = tempfile::tempdir().unwrap();
    let socket = socket_dir.path().join("entrad.sock");
    let broker = Broker::start(
        &emulator,
        "memory",
        &[
            "--max-connections",
            "2",
            "--unix-socket",
            socket.to_str().unwrap(),
        ],
    );
    // Every TCP slot taken by a connection that never finishes its head: one
    // with half a head, then one that sends nothing.
    let mut half = std::net::TcpStream::connect(&broker.address).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    wait_for_metric(
        &socket,
        "entrad_serve_connections{listener=\"tcp\",state=\"waiting\"} 1",
    );
    let _silent = std::net::TcpStream::connect(&broker.address).unwrap();
    wait_for_metric(
        &socket,
        "entrad_serve_connections{listener=\"tcp\",state=\"waiting\"} 2",
    );
    // A complete request with the secret is answered, in the slot of the one
    // that waited longest, which is closed without an answer.
    let (status, body) = broker.app_service(GRAPH);
    assert_eq!(status, 200, "{body}");
    let mut rest = Vec::new();
    let _ = half.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    wait_for_metric(
        &socket,
        "entrad_serve_connections_evicted_total{listener=\"tcp\"} 1",
    );
}

#[test]
fn connections_past_the_limit_wait_while_every_slot_serves_a_request() {
    let emulator = Emulator::start(1);
    // The upstream: an App Service managed identity endpoint the test answers
    // when it chooses, so the one slot stays serving until then.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = vec![
        (
            "IDENTITY_ENDPOINT".to_owned(),
            format!("http://{}/msi/token", upstream.local_addr().unwrap()),
        ),
        ("IDENTITY_HEADER".to_owned(), "upstream-secret".to_owned()),
    ];
    let socket_dir = tempfile::tempdir().unwrap();
    let socket = socket_dir.path().join("entrad.sock");
    let identity = ["--managed-identity".as_ref(), "system".as_ref()];
    let broker = Broker::start_on_host(
        &emulator,
        "memory",
        &identity,
        &[
            "--max-connections",
            "1",
            "--unix-socket",
            socket.to_str().unwrap(),
        ],
        &host,
    );
    std::thread::scope(|scope| {
        let first = scope.spawn(|| broker.app_service(GRAPH));
        // The broker asks the upstream: the one TCP slot is serving.
        let (mut asked, _) = upstream.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(asked.read(&mut byte).unwrap(), 1, "the broker hung up");
            head.push(byte[0]);
        }
        wait_for_metric(
            &socket,
            "entrad_serve_connections{listener=\"tcp\",state=\"serving\"} 1",
        );
        // A second connection is accepted and queued, and stays unanswered:
        // the broker decided so, and nothing changes until the slot is freed.
        let mut second = std::net::TcpStream::connect(&broker.address).unwrap();
        second
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        wait_for_metric(
            &socket,
            "entrad_serve_connections_queued{listener=\"tcp\"} 1",
        );
        second.set_nonblocking(true).unwrap();
        let waited = second.read(&mut byte).unwrap_err();
        assert_eq!(
            waited.kind(),
            std::io::ErrorKind::WouldBlock,
            "the second connection was served while the first was serving: {waited}"
        );
        second.set_nonblocking(false).unwrap();
        // The upstream answers: the first caller gets its token, its
        // connection closes, and the second is served.
        let expires_on = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        let token = fake_jwt(&serde_json::json!({
            "aud": GRAPH,
            "appid": "5a5c3e7d-1f0b-4a6e-9d2c-8b7f6e5d4c3b",
        }));
        let body = serde_json::json!({
            "access_token": token,
            "expires_on": expires_on.to_string(),
            "resource": GRAPH,
            "token_type": "Bearer",
            "client_id": "5a5c3e7d-1f0b-4a6e-9d2c-8b7f6e5d4c3b",
        })
        .to_string();
        write!(
            asked,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        drop(asked);
        let (status, answer) = first.join().unwrap();
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["access_token"], token.as_str());
        let mut answer = String::new();
        second.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    });
}

/// A token shaped as a JWT (unsigned: the broker only reads its claims).
fn fake_jwt(claims: &Value) -> String {
    use base64::Engine;
    let encode =
        |json: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        encode(&serde_json::json!({"typ": "JWT", "alg": "RS256"})),
        encode(claims)
    )
}
