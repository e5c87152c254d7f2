//! The Azure CLI's signed-in account: `az account get-access-token --resource R -o json`,
//! run directly (never through a shell) with a time limit.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt as _};
use serde_json::Value;

use crate::cache::CachedToken;
use crate::clock::now_secs;
use crate::engine::Fetch;
use crate::service_reply::loose_u64;
use crate::token_body::obtained;
use crate::{Error, Result};

/// Output larger than this is not a token answer.
const OUTPUT_LIMIT: usize = 1024 * 1024;

/// Runs `az` for tokens.
pub(crate) struct AzureCli {
    pub(crate) program: PathBuf,
    pub(crate) tenant: Option<String>,
    pub(crate) timeout: Duration,
}

/// `az` on `path` (a `PATH`-style list), if there is one.
pub(crate) fn find(path: Option<&str>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join("az"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

impl AzureCli {
    async fn token(&self, scopes: &[String]) -> Result<CachedToken> {
        let [scope] = scopes else {
            return Err(Error::Config(
                "the Azure CLI gives a token for one resource: ask for {resource}/.default".into(),
            ));
        };
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args([
                "account",
                "get-access-token",
                "--resource",
                resource,
                "-o",
                "json",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(tenant) = &self.tenant {
            command.args(["--tenant", tenant]);
        }
        let child = command
            .spawn()
            .map_err(|e| Error::config(format!("cannot run {}", self.program.display()), e))?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| Error::Network {
                message: format!(
                    "az account get-access-token did not finish within {} s",
                    self.timeout.as_secs()
                ),
                client_request_id: None,
            })?
            .map_err(|e| Error::config("az account get-access-token failed to run", e))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first = stderr
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no message");
            return Err(Error::Credential(format!(
                "az account get-access-token failed ({}): {}; run az login",
                output.status,
                first.chars().take(300).collect::<String>()
            )));
        }
        parse(
            &output.stdout[..output.stdout.len().min(OUTPUT_LIMIT)],
            now_secs(),
        )
        .map_err(|message| Error::Credential(format!("az account get-access-token: {message}")))
    }
}

/// The token in `az account get-access-token -o json`'s output. Needs
/// `expires_on` (epoch seconds, az 2.54 and later).
fn parse(stdout: &[u8], now: u64) -> std::result::Result<CachedToken, String> {
    let json: Value = serde_json::from_slice(stdout).map_err(|_| "the output is not JSON")?;
    let token = json
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("the output has no accessToken")?;
    let expires_on = json
        .get("expires_on")
        .and_then(loose_u64)
        .ok_or("the output has no expires_on: use az 2.54 or later")?;
    obtained(
        token,
        json.get("tokenType").and_then(Value::as_str),
        now,
        expires_on,
        None,
    )
}

impl Fetch for AzureCli {
    fn fetch<'a>(
        &'a self,
        scopes: &'a [String],
        // Neither the Azure CLI nor the managed identity endpoints take
        // claims: a token requested anew is what a challenge can get.
        _claims: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(CachedToken, Option<String>)>> {
        async move { Ok((self.token(scopes).await?, None)) }.boxed()
    }

    fn who(&self) -> &str {
        "Azure CLI"
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn az_output() {
        let t = parse(
            br#"{"accessToken":"eyJ","expiresOn":"2030-01-01 00:00:00.000000","expires_on":5000,"subscription":"s","tenant":"t","tokenType":"Bearer"}"#,
            1000,
        )
        .unwrap();
        assert_eq!((t.expires_on, t.secret.expose_secret()), (5000, "eyJ"));
        for bad in [
            &br#"{"accessToken":"leaky"}"#[..],
            b"leaky",
            br#"{"expires_on":1}"#,
        ] {
            assert!(!parse(bad, 0).unwrap_err().contains("leaky"));
        }
    }
}
