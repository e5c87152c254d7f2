//! Helpers shared by the integration tests: an emulator on a free loopback port with a
//! temporary state directory, and an HTTPS client trusting only its CA (plus webpki roots).

#![allow(dead_code)]

pub mod assertion;
pub mod clients;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use entrad_emulator::{Config, Emulator, RunningEmulator};
use serde_json::Value;

/// Key files copied into each test's state directory, so that RSA key generation
/// does not run for every test.
const KEY_FILES: [&str; 6] = [
    "ca.pem",
    "ca-key.pem",
    "signing-key.pem",
    "signing-cert.pem",
    "app-key.pem",
    "app-cert.pem",
];

/// Keys kept under the target directory: generated once, by whichever test process
/// gets there first (a rename publishes them whole), then reused by every test.
fn key_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let template = root.join("entrad-emulator-test-keys");
        if KEY_FILES.iter().all(|f| template.join(f).exists()) {
            return template;
        }
        let fresh = tempfile::Builder::new()
            .prefix("entrad-emulator-keys")
            .tempdir_in(&root)
            .unwrap();
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            state_dir: Some(fresh.path().to_path_buf()),
            in_memory: true,
            users: 0,
            ..Config::default()
        };
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async { Emulator::start(config).await.unwrap().shutdown().await });
        })
        .join()
        .unwrap();
        // Losing the race to another process is fine: its keys are as good.
        let _ = std::fs::rename(fresh.keep(), &template);
        template
    })
}

/// A running emulator and a client for it.
pub struct Harness {
    pub emulator: RunningEmulator,
    pub client: reqwest::Client,
    pub base: String,
    pub dir: tempfile::TempDir,
}

/// A fresh state directory holding the shared keys.
pub fn state_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in KEY_FILES {
        std::fs::copy(key_template().join(name), dir.path().join(name)).unwrap();
    }
    dir
}

pub fn config(dir: &Path, users: usize) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        state_dir: Some(dir.to_path_buf()),
        in_memory: true,
        users,
        ..Config::default()
    }
}

/// An HTTPS client trusting the emulator's CA.
pub fn client_for(ca_file: &Path) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca_file).unwrap()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Sends `request` and reads its answer as JSON.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

impl Harness {
    pub async fn start(users: usize) -> Harness {
        let dir = state_dir();
        Harness::start_with(config(dir.path(), users), dir).await
    }

    pub async fn start_with(config: Config, dir: tempfile::TempDir) -> Harness {
        let emulator = Emulator::start(config).await.unwrap();
        let client = client_for(emulator.ca_file());
        let base = emulator.url().as_str().trim_end_matches('/').to_string();
        Harness {
            emulator,
            client,
            base,
            dir,
        }
    }

    /// Shuts the emulator down (its state directory stays).
    pub async fn stop(self) {
        self.emulator.shutdown().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn parameters(&self, name: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.emulator.state_dir().join(name)).unwrap())
            .unwrap()
    }

    pub fn token_url(&self) -> String {
        self.url(&format!("/{}/oauth2/v2.0/token", self.emulator.tenant_id()))
    }

    /// POSTs a token request form.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.token_url())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The secret-flow token request of the app of a parameters file.
    pub async fn secret_token_request(&self, parameters: &str) -> reqwest::Response {
        let p = self.parameters(parameters);
        self.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", p["client_id"].as_str().unwrap()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", p["secret"].as_str().unwrap()),
        ])
        .await
    }

    /// An access token for the app of a parameters file (secret flow).
    pub async fn token_from(&self, parameters: &str) -> String {
        let response = self.secret_token_request(parameters).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// An access token for the consented app.
    pub async fn token(&self) -> String {
        self.token_from("parameters.json").await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self.get(path, token).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.url(&format!("/_emulator{path}")));
        if let Some(token) = self.emulator.admin_token() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The status of an admin API answer, for calls made for their effect.
    pub async fn admin_status(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> u16 {
        self.admin(method, path, body).await.0
    }

    pub async fn stats(&self) -> Value {
        self.admin(reqwest::Method::GET, "/stats", None).await.1
    }
}
