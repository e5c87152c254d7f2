//! entrad's file cache and real MSAL Python share tokens, both ways, against
//! the real emulator: each serves the token the other obtained, with no new
//! request to the token service (read from the emulator's `/_emulator/stats`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use entrad_auth::{AccessToken, Authority, ConfidentialClient, Credential, FileCache, HttpOptions};
use entrad_testkit::InProcess;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

struct Harness {
    emulator: InProcess,
    parameters: Value,
    dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Harness {
        let emulator = InProcess::start(3).await.unwrap();
        let parameters = emulator.parameters("parameters.json");
        Harness {
            emulator,
            parameters,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cache_file(&self) -> PathBuf {
        self.dir.path().join("msal_token_cache.json")
    }

    async fn token_requests(&self) -> u64 {
        self.emulator.admin().stats().await.unwrap().route("token")
    }

    /// A client as a fresh entrad process has it: nothing in memory, the file cache.
    fn client(&self) -> ConfidentialClient {
        let p = &self.parameters;
        ConfidentialClient::builder(
            p["client_id"].as_str().unwrap(),
            Authority::parse(p["authority"].as_str().unwrap()).unwrap(),
            Credential::secret(p["secret"].as_str().unwrap()),
        )
        .http(HttpOptions::new().with_ca_file(self.emulator.emulator.ca_file()))
        .cache(Arc::new(FileCache::new(self.cache_file())))
        .build()
        .unwrap()
    }

    async fn acquire(&self) -> AccessToken {
        let scope = self.parameters["scope"][0].as_str().unwrap().to_string();
        self.client().acquire_token(&[&scope]).await.unwrap()
    }

    async fn msal(&self, mode: &str) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/msal/msal_cache.py");
        let output = tokio::process::Command::new(entrad_testkit::python().unwrap())
            .arg(script)
            .arg(self.emulator.emulator.parameters_file())
            .arg(self.emulator.emulator.ca_file())
            .arg(self.cache_file())
            .arg(mode)
            .output()
            .await
            .expect("python runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "msal_cache.py {mode} failed: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("bad summary {stdout:?}: {e}"));
        assert_eq!(summary["ok"], true, "{summary}");
        summary
    }
}

fn sha256(token: &AccessToken) -> String {
    Sha256::digest(token.secret().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn msal_python_serves_the_token_entrad_cached() {
    let h = Harness::start().await;
    let token = h.acquire().await;
    assert!(!token.from_cache());
    assert_eq!(h.token_requests().await, 1);

    let summary = h.msal("read").await;
    assert_eq!(summary["token_source"], "cache", "{summary}");
    assert_eq!(summary["token_sha256"], sha256(&token));
    assert_eq!(h.token_requests().await, 1, "MSAL asked for no new token");

    // And another entrad process is served from the file too.
    let again = h.acquire().await;
    assert!(again.from_cache());
    assert_eq!(again.secret(), token.secret());
    assert_eq!(h.token_requests().await, 1);
}

#[tokio::test]
async fn entrad_serves_the_token_msal_python_cached() {
    let h = Harness::start().await;
    let summary = h.msal("write").await;
    assert_eq!(summary["token_source"], "identity_provider", "{summary}");
    assert_eq!(h.token_requests().await, 1);
    let entries = entrad_testkit::msal_access_tokens(&h.cache_file()).unwrap();
    let entry = &entries[0];
    // MSAL's environment is the host without the port.
    assert_eq!(entry["environment"], "127.0.0.1");
    assert!(entry["expires_on"].is_string());

    let token = h.acquire().await;
    assert!(token.from_cache(), "served from MSAL's entry");
    assert_eq!(sha256(&token), summary["token_sha256"]);
    assert_eq!(h.token_requests().await, 1, "entrad asked for no new token");
}
