//! The emulator started in this process, on a free loopback port with a fresh
//! state directory, and clients for it.

use std::path::Path;

use entrad_emulator::{Config, Emulator};
use reqwest::Method;
use serde_json::Value;

use crate::{Admin, Result, https_client, keys, read_json};

/// What a test starts the emulator with: loopback, any port, users and consent in
/// memory, `users` generated users, state (keys, parameters files) in `dir`.
pub fn config(dir: &Path, users: usize) -> Config {
    Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        state_dir: Some(dir.to_path_buf()),
        in_memory: true,
        users,
        ..Config::default()
    }
}

/// A running in-process emulator, an HTTPS client trusting its CA and its admin API.
/// Needs a multi-threaded tokio runtime that outlives it.
#[derive(Debug)]
pub struct InProcess {
    /// The emulator.
    pub emulator: Emulator,
    /// An HTTPS client trusting the emulator's CA.
    pub client: reqwest::Client,
    /// The origin, `https://127.0.0.1:PORT` (no trailing `/`).
    pub base: String,
    /// The state directory (removed on drop).
    pub dir: tempfile::TempDir,
    admin: Admin,
}

impl InProcess {
    /// Starts an emulator serving `users` generated users, with the shared keys.
    pub async fn start(users: usize) -> Result<InProcess> {
        let dir = keys::state_dir()?;
        InProcess::start_with(config(dir.path(), users), dir).await
    }

    /// Starts an emulator with `config`, whose state directory is `dir` (from
    /// [`crate::state_dir`] for the shared keys).
    pub async fn start_with(config: Config, dir: tempfile::TempDir) -> Result<InProcess> {
        let emulator = Emulator::start(config).await?;
        let client = https_client(emulator.ca_file())?;
        let base = emulator.url().as_str().trim_end_matches('/').to_owned();
        let admin = Admin::new(
            client.clone(),
            emulator.url().clone(),
            emulator.admin_token().map(str::to_owned),
        );
        Ok(InProcess {
            emulator,
            client,
            base,
            dir,
            admin,
        })
    }

    /// Shuts the emulator down (its state directory stays until drop).
    pub async fn stop(self) {
        self.emulator.shutdown().await;
    }

    /// Its admin API.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// The absolute URL of `path` (starting with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A file of the state directory (`parameters.json`, ...) as JSON.
    ///
    /// # Panics
    /// When the file is missing or not JSON.
    pub fn parameters(&self, name: &str) -> Value {
        read_json(&self.emulator.state_dir().join(name)).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// The tenant's token endpoint.
    pub fn token_url(&self) -> String {
        self.url(&format!("/{}/oauth2/v2.0/token", self.emulator.tenant_id()))
    }

    /// POSTs a token request form.
    ///
    /// # Panics
    /// When no answer comes.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.token_url())
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("token request: {e:?}"))
    }

    /// The secret-flow token request of the app of a parameters file.
    pub async fn secret_token_request(&self, parameters: &str) -> reqwest::Response {
        let p = self.parameters(parameters);
        self.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", p["client_id"].as_str().unwrap_or_default()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", p["secret"].as_str().unwrap_or_default()),
        ])
        .await
    }

    /// An access token for the app of a parameters file (secret flow).
    ///
    /// # Panics
    /// When the emulator refuses it.
    pub async fn token_from(&self, parameters: &str) -> String {
        let response = self.secret_token_request(parameters).await;
        access_token(response, parameters).await
    }

    /// An access token for the consented app (`parameters.json`'s secret) from the
    /// token endpoint of `tenant` (a GUID or domain of [`Emulator::tenants`]).
    ///
    /// # Panics
    /// When the emulator refuses it.
    pub async fn token_in(&self, tenant: &str) -> String {
        let p = self.parameters("parameters.json");
        let response = self
            .client
            .post(self.url(&format!("/{tenant}/oauth2/v2.0/token")))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", p["client_id"].as_str().unwrap_or_default()),
                ("scope", "https://graph.microsoft.com/.default"),
                ("client_secret", p["secret"].as_str().unwrap_or_default()),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("token request: {e:?}"));
        access_token(response, &format!("tenant {tenant}")).await
    }

    /// An access token for the consented app (`parameters.json`).
    pub async fn token(&self) -> String {
        self.token_from("parameters.json").await
    }

    /// `GET path` with a bearer token.
    ///
    /// # Panics
    /// When no answer comes.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"))
    }

    /// `GET path` with a bearer token: the status and the body as JSON (`Null` if not).
    pub async fn get_json(&self, path: &str, token: &str) -> (u16, Value) {
        self.request_json(Method::GET, path, token, None).await
    }

    /// `method path` with a bearer token and a JSON body (if any): the status and
    /// the answer's body as JSON (`Null` if none or not JSON).
    ///
    /// # Panics
    /// When no answer comes.
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method.clone(), self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Any admin request (`path` under `/_emulator`): its status and JSON body.
    ///
    /// # Panics
    /// When no answer comes.
    pub async fn admin_request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let reply = self
            .admin
            .request(method, path, body.as_ref())
            .await
            .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        (reply.status, reply.body)
    }

    /// The status of an admin answer, for calls made for their effect.
    pub async fn admin_status(&self, method: Method, path: &str, body: Option<Value>) -> u16 {
        self.admin_request(method, path, body).await.0
    }

    /// The request counters as JSON.
    ///
    /// # Panics
    /// When the admin API fails.
    pub async fn stats(&self) -> Value {
        self.admin
            .stats()
            .await
            .unwrap_or_else(|e| panic!("stats: {e:?}"))
            .0
    }
}

/// The `access_token` of a token endpoint's answer; panics naming `what` otherwise.
async fn access_token(response: reqwest::Response, what: &str) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match body["access_token"].as_str() {
        Some(token) if status == 200 => token.to_owned(),
        _ => panic!("no token for {what}: {status} {body}"),
    }
}
