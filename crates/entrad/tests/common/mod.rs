//! An emulator child process per test (`entrad emulator`, as a user runs it),
//! killed on drop, and helpers to run `entrad` against it.
// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command as StdCommand, Output, Stdio};

use assert_cmd::Command;
use serde_json::Value;

/// The azure-identity variables (and entrad's own): removed so the developer's
/// environment cannot steer a test.
pub const AZURE_VARS: &[&str] = &[
    "ENTRAD_CACHE",
    "ENTRAD_CACHE_KEY",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "RUST_LOG",
];

/// A running emulator and its state directory.
pub struct Emulator {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    _dir: tempfile::TempDir,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// Where parameters*.json and ca.pem are.
    pub state_dir: PathBuf,
    /// The CA to trust.
    pub ca_file: PathBuf,
    /// The admin API's bearer token, when the ready line gives one.
    pub admin_token: Option<String>,
}

impl Emulator {
    /// An emulator with `users` users.
    pub fn start(users: usize) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("entrad"))
            .args([
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--in-memory",
                "--users",
            ])
            .arg(users.to_string())
            .arg("--state-dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let ready: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("ready line {line:?}: {e}"));
        assert_eq!(ready["ready"], true, "{line}");
        Emulator {
            child,
            _stdout: stdout,
            _dir: dir,
            url: ready["url"]
                .as_str()
                .unwrap()
                .trim_end_matches('/')
                .to_owned(),
            state_dir: PathBuf::from(ready["state_dir"].as_str().unwrap()),
            ca_file: PathBuf::from(ready["ca_file"].as_str().unwrap()),
            admin_token: ready["admin_token"].as_str().map(str::to_owned),
        }
    }

    /// A file of the state directory, e.g. `parameters.json`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.state_dir.join(name)
    }

    /// A parameters file as JSON, to derive broken variants from.
    pub fn parameters(&self, name: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.file(name)).unwrap()).unwrap()
    }

    /// `entrad --ca-file <ca.pem>` with a clean environment and a token cache
    /// file of this emulator's own: every emulator signs with fresh keys under
    /// the same tenant and app ids, so tests must not share cached tokens.
    pub fn entrad(&self) -> Command {
        let mut cmd = entrad();
        cmd.arg("--ca-file").arg(&self.ca_file);
        cmd.env(
            "ENTRAD_CACHE",
            format!("file:{}", self.cache_file().display()),
        );
        cmd
    }

    /// `entrad run <state dir>/<parameters>`: the quickstart's command.
    pub fn run(&self, parameters: &str) -> Command {
        let mut cmd = self.entrad();
        cmd.arg("run").arg(self.file(parameters));
        cmd
    }

    /// `entrad --config <state dir>/parameters.json`, for the other subcommands.
    pub fn configured(&self) -> Command {
        let mut cmd = self.entrad();
        cmd.arg("--config").arg(self.file("parameters.json"));
        cmd
    }

    /// `entrad` configured by the azure-identity variables from `parameters`
    /// (a parameters file as JSON), with Graph at this emulator; the
    /// credential's own variables are the caller's.
    pub fn configured_by_environment(&self, parameters: &Value) -> Command {
        let (host, tenant) = parameters["authority"]
            .as_str()
            .unwrap()
            .rsplit_once('/')
            .unwrap();
        let mut cmd = self.entrad();
        cmd.env("AZURE_AUTHORITY_HOST", host)
            .env("AZURE_TENANT_ID", tenant)
            .env("AZURE_CLIENT_ID", parameters["client_id"].as_str().unwrap())
            .args(["--graph-url", &self.url]);
        cmd
    }

    /// A token of the emulator's OIDC issuer for the Kubernetes-style `subject`, as a
    /// cluster writes it into a pod's projected token file.
    pub fn federated_token(&self, subject: &str) -> String {
        let answer = self.admin(
            reqwest::Method::POST,
            "/_emulator/federated-token",
            Some(serde_json::json!({
                "subject": subject,
                "audience": "api://AzureADTokenExchange",
                "lifetime_secs": 3600,
            })),
        );
        answer["token"].as_str().unwrap().to_owned()
    }

    /// The token cache file `entrad()` uses.
    pub fn cache_file(&self) -> PathBuf {
        self.state_dir.join("token-cache.json")
    }

    /// A POST or DELETE to the admin API, e.g. `/_emulator/faults`.
    pub fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let ca = std::fs::read(&self.ca_file).unwrap();
        let url = format!("{}{path}", self.url);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let client = reqwest::Client::builder()
                .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
                .build()
                .unwrap();
            let mut request = client.request(method, url);
            if let Some(token) = &self.admin_token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            let text = response.text().await.unwrap();
            if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap()
            }
        })
    }
}

impl Emulator {
    /// Kills the emulator process now (a crash or an outage, as clients see it).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `entrad` with the azure-identity variables removed, caching tokens in
/// memory only (never in the developer's cache directory).
pub fn entrad() -> Command {
    let mut cmd = Command::cargo_bin("entrad").unwrap();
    for var in AZURE_VARS {
        cmd.env_remove(var);
    }
    cmd.env("ENTRAD_CACHE", "memory");
    cmd
}

/// A loopback address nothing listens on (bound, then released).
pub fn closed_address() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Stderr as text, for messages.
pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `cmd` and checks it succeeded (failing with its stderr).
pub fn succeed(cmd: &mut Command) -> Output {
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    output
}

/// Writes `value` as a JSON file in `dir`.
pub fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

/// The ids of a quickstart JSON document, checking each appears once.
pub fn unique_ids(stdout: &[u8]) -> std::collections::HashSet<String> {
    let doc: Value = serde_json::from_slice(stdout).expect("stdout is one JSON document");
    let items = doc["value"].as_array().expect("a `value` list");
    let ids: std::collections::HashSet<String> = items
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), items.len(), "some users were listed twice");
    ids
}
