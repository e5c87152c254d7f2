//! What the CLI's tests share: an emulator child process per test (`entrad
//! emulator`, as a user runs it, from entrad-testkit) and `entrad` commands set
//! up for it, with a clean environment.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use entrad_testkit::{ChildEmulator, Stats};
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
    "ENTRAD_PKCS11_PIN",
    "RUST_LOG",
    "CREDENTIALS_DIRECTORY",
    "ENTRAD_LOG_FORMAT",
    "ENTRAD_CONFIG",
    "ENTRAD_CA_FILE",
    "ENTRAD_GRAPH_URL",
];

/// An `entrad emulator` child process (killed on drop) and `entrad` commands set up for it.
pub struct Emulator(ChildEmulator);

impl Emulator {
    /// An emulator with `users` users.
    pub fn start(users: usize) -> Emulator {
        Emulator(
            ChildEmulator::start(Path::new(env!("CARGO_BIN_EXE_entrad")), users)
                .unwrap_or_else(|e| panic!("{e:?}")),
        )
    }

    /// An emulator serving `tenants` tenants of `users` users each (`--tenants N`).
    pub fn start_tenants(users: usize, tenants: usize) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_entrad"));
        command
            .args(["emulator", "--listen", "127.0.0.1:0", "--in-memory"])
            .args([
                "--users",
                &users.to_string(),
                "--tenants",
                &tenants.to_string(),
            ])
            .arg("--state-dir")
            .arg(dir.path());
        Emulator(ChildEmulator::spawn(command, Some(dir)).unwrap_or_else(|e| panic!("{e:?}")))
    }

    /// The tenants served, the default one first: (tenant id, domain).
    pub fn tenants(&self) -> Vec<(String, String)> {
        self.0
            .tenants()
            .iter()
            .map(|t| (t.tenant_id.clone(), t.domain.clone()))
            .collect()
    }

    /// Runs `future` on the emulator's runtime (for the browser tests' WebDriver calls).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    /// What the ready line said (URL, portal URL, admin token).
    pub fn ready(&self) -> &entrad_testkit::Ready {
        &self.0.ready
    }

    /// Replaces a user's directory roles (e.g. `["Global Administrator"]`).
    pub fn set_roles(&self, user: &str, roles: &[&str]) {
        self.0
            .block_on(self.0.admin().set_roles(user, roles))
            .unwrap();
    }

    /// The request counters.
    pub fn stats(&self) -> Stats {
        self.0.block_on(self.0.admin().stats()).unwrap()
    }

    /// Sets every request counter to zero.
    pub fn reset_stats(&self) {
        self.0.block_on(self.0.admin().reset_stats()).unwrap();
    }

    /// Adds a fault (`{"route":..,"kind":..,...}`).
    pub fn add_fault(&self, spec: Value) {
        self.0.block_on(self.0.admin().add_fault(&spec)).unwrap();
    }

    /// The faults still set (`{"faults":[..]}`).
    pub fn faults(&self) -> Value {
        self.0.block_on(self.0.admin().faults()).unwrap()
    }

    /// Runs an admin call on the emulator's runtime: `emulator.admin(|a| a.reset_delta())`.
    pub fn admin<'a, F, T>(&'a self, call: impl FnOnce(&'a entrad_testkit::Admin) -> F) -> T
    where
        F: std::future::Future<Output = entrad_testkit::Result<T>>,
    {
        self.0
            .block_on(call(self.0.admin()))
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// The emulator's tenant id (from its ready line).
    pub fn tenant_id(&self) -> String {
        self.parameters("parameters.json")["authority"]
            .as_str()
            .and_then(|a| a.rsplit('/').next())
            .unwrap()
            .to_owned()
    }

    /// Records a continuous access evaluation event (`location_policy_changed`, ...).
    pub fn cae_event(&self, event: &str, client_id: Option<&str>) {
        self.0
            .block_on(self.0.admin().cae_event(event, client_id))
            .unwrap();
    }

    /// Graph's claims challenges sent, and token requests that carried one's claims.
    pub fn cae_challenges(&self) -> (u64, u64) {
        let events = self.0.block_on(self.0.admin().cae_events()).unwrap();
        (
            events["challenges_sent"].as_u64().unwrap(),
            events["challenges_answered"].as_u64().unwrap(),
        )
    }

    /// The CA the emulator's certificate chains to.
    pub fn ca_file(&self) -> &Path {
        self.0.ca_file()
    }

    /// Kills the emulator process now (a crash or an outage, as clients see it).
    pub fn kill(&mut self) {
        self.0.kill();
    }

    /// Adds users (`{"userPrincipalName":..,...}` or a list of them).
    pub fn add_users(&self, users: Value) {
        self.0.block_on(self.0.admin().add_users(&users)).unwrap();
    }

    /// The emulator process, for its admin API.
    pub fn child(&self) -> &ChildEmulator {
        &self.0
    }

    /// A file of the state directory, e.g. `parameters.json`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.file(name)
    }

    /// A parameters file as JSON, to derive broken variants from.
    pub fn parameters(&self, name: &str) -> Value {
        entrad_testkit::read_json(&self.file(name)).unwrap()
    }

    /// `entrad --ca-file <ca.pem>` with a clean environment and a token cache
    /// file of this emulator's own: every emulator signs with fresh keys under
    /// the same tenant and app ids, so tests must not share cached tokens.
    pub fn entrad(&self) -> Command {
        let mut cmd = entrad();
        cmd.arg("--ca-file").arg(self.0.ca_file());
        cmd.env(
            "ENTRAD_CACHE",
            format!("file:{}", self.cache_file().display()),
        );
        cmd
    }

    /// `entrad --graph-url <emulator>` in the environment of the managed
    /// identity `source` (`mi-<source>.env`), with no app credential.
    pub fn on_host(&self, source: &str) -> Command {
        let mut cmd = self.entrad();
        cmd.envs(self.0.mi_env(source))
            .args(["--graph-url", self.0.url()]);
        cmd
    }

    /// The variables of `mi-<source>.env`.
    pub fn on_host_env(&self, source: &str) -> Vec<(String, String)> {
        self.0.mi_env(source)
    }

    /// The emulator's URL.
    pub fn url(&self) -> &str {
        self.0.url()
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
            .args(["--graph-url", self.0.url()]);
        cmd
    }

    /// A token of the emulator's OIDC issuer for the Kubernetes-style `subject`, as a
    /// cluster writes it into a pod's projected token file.
    pub fn federated_token(&self, subject: &str) -> String {
        let body = serde_json::json!({
            "subject": subject,
            "audience": "api://AzureADTokenExchange",
            "lifetime_secs": 3600,
        });
        let answer = self
            .0
            .block_on(self.0.admin().federated_token(&body))
            .unwrap();
        answer["token"].as_str().unwrap().to_owned()
    }

    /// The token cache file `entrad()` uses.
    pub fn cache_file(&self) -> PathBuf {
        self.0.file("token-cache.json")
    }
}

/// `entrad` with the azure-identity variables removed, caching tokens in
/// memory only (never in the developer's cache directory).
pub fn entrad() -> Command {
    Command::from_std(entrad_process())
}

/// [`entrad`] as a plain child process, for tests that read its output while
/// it runs or signal it.
pub fn entrad_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_entrad"));
    for var in AZURE_VARS
        .iter()
        .chain(entrad_testkit::MANAGED_IDENTITY_VARS)
    {
        cmd.env_remove(var);
    }
    cmd.env("ENTRAD_CACHE", "memory");
    // With no credential the chain asks IMDS: never the real address from a test.
    cmd.env(
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        entrad_testkit::closed_loopback_url(),
    );
    cmd
}

/// base64 of 32 bytes: an AES-256-GCM key for Redis entries (`ENTRAD_CACHE_KEY`).
pub const REDIS_CACHE_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// The test Redis server's URL with a key prefix no other test or earlier
/// run uses: a cold cache of its own.
pub fn fresh_redis_cache() -> String {
    format!(
        "{}?prefix={}",
        entrad_testkit::redis_url(),
        entrad_testkit::fresh_redis_prefix()
    )
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
