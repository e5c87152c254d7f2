//! The emulator as a child process (`entrad emulator`, as a user runs it, or the
//! `entrad-emulator` binary), announced by its ready line and killed on drop.

use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};

use entrad_emulator::TenantInfo;
use serde_json::Value;
use url::Url;

use crate::{Admin, Error, Result, https_client};

/// What the ready line announces.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The line as printed (without its newline).
    pub line: String,
    /// `https://127.0.0.1:PORT` (no trailing `/`).
    pub url: String,
    /// Where the parameters files and `ca.pem` are.
    pub state_dir: PathBuf,
    /// The CA to trust.
    pub ca_file: PathBuf,
    /// The admin API's token; `None` when the emulator requires none.
    pub admin_token: Option<String>,
    /// The portal's address (a one-time login URL when there is an admin token).
    pub portal_url: Option<String>,
    /// The tenants served, the default one first (`--tenants N`).
    pub tenants: Vec<TenantInfo>,
}

impl Ready {
    /// Parses a ready line; anything but `{"ready":true,...}` is an error.
    pub fn parse(line: &str) -> Result<Ready, String> {
        let json: Value =
            serde_json::from_str(line).map_err(|e| format!("ready line {line:?}: {e}"))?;
        let text = |name: &str| {
            json[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("ready line without {name}: {line}"))
        };
        if json["ready"] != true {
            return Err(format!("not a ready line: {line}"));
        }
        Ok(Ready {
            line: line.trim_end().to_owned(),
            url: text("url")?.trim_end_matches('/').to_owned(),
            state_dir: PathBuf::from(text("state_dir")?),
            ca_file: PathBuf::from(text("ca_file")?),
            admin_token: json["admin_token"].as_str().map(str::to_owned),
            portal_url: json["portal_url"].as_str().map(str::to_owned),
            tenants: json["tenants"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    let field = |name: &str| {
                        t[name]
                            .as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| format!("ready line with a bad tenant {t}: {line}"))
                    };
                    Ok(TenantInfo {
                        tenant_id: field("tenant_id")?,
                        domain: field("domain")?,
                    })
                })
                .collect::<Result<_, String>>()?,
        })
    }
}

/// The process and the rest of its stdout; killed on drop.
struct Process {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running emulator process, its admin API and a small runtime to call it from
/// synchronous tests. Killed on drop.
pub struct ChildEmulator {
    process: Process,
    runtime: tokio::runtime::Runtime,
    admin: Admin,
    /// What the ready line said.
    pub ready: Ready,
    _dir: Option<tempfile::TempDir>,
}

impl ChildEmulator {
    /// `entrad emulator --listen 127.0.0.1:0 --in-memory --users N` with a fresh
    /// temporary state directory; `entrad` is the CLI binary's path (a test of
    /// the `entrad` package has it as `env!("CARGO_BIN_EXE_entrad")`).
    pub fn start(entrad: &Path, users: usize) -> Result<ChildEmulator> {
        let dir = tempfile::tempdir().map_err(|source| Error::File {
            path: std::env::temp_dir(),
            source,
        })?;
        let mut command = Command::new(entrad);
        command
            .args(["emulator", "--listen", "127.0.0.1:0", "--in-memory"])
            .arg("--users")
            .arg(users.to_string())
            .arg("--state-dir")
            .arg(dir.path());
        ChildEmulator::spawn(command, Some(dir))
    }

    /// Runs `command` (an emulator invocation), reads its ready line from stdout
    /// and keeps `dir` (its state directory, if temporary) alive as long as it runs.
    pub fn spawn(mut command: Command, dir: Option<tempfile::TempDir>) -> Result<ChildEmulator> {
        let program = command.get_program().to_string_lossy().into_owned();
        let failed = |reason: String| Error::Child {
            program: program.clone(),
            reason,
        };
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        let mut stdout = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| failed("no stdout".into()))?,
        );
        let mut line = String::new();
        let ready = stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())
            .and_then(|_| Ready::parse(&line));
        let ready = match ready {
            Ok(ready) => ready,
            Err(reason) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(reason));
            }
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        // The client's connection tasks belong to this runtime: build it inside.
        let http = runtime.block_on(async { https_client(&ready.ca_file) })?;
        let admin = Admin::new(http, Url::parse(&ready.url)?, ready.admin_token.clone());
        Ok(ChildEmulator {
            process: Process { child, stdout },
            runtime,
            admin,
            ready,
            _dir: dir,
        })
    }

    /// The origin, `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.ready.url
    }

    /// The state directory.
    pub fn state_dir(&self) -> &Path {
        &self.ready.state_dir
    }

    /// The CA to trust.
    pub fn ca_file(&self) -> &Path {
        &self.ready.ca_file
    }

    /// A file of the state directory, e.g. `parameters.json`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.ready.state_dir.join(name)
    }

    /// The tenants its ready line lists, the default one first.
    pub fn tenants(&self) -> &[TenantInfo] {
        &self.ready.tenants
    }

    /// Its admin API (async: run calls with [`ChildEmulator::block_on`]).
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Runs an admin call (or any future) to completion on this emulator's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The process id, to send it signals.
    pub fn pid(&self) -> u32 {
        self.process.child.id()
    }

    /// Kills the process now and reaps it: a crash or an outage, as clients see it.
    pub fn kill(&mut self) {
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
    }

    /// Closes the admin client's connections (an idle HTTP/2 connection would hold
    /// a graceful shutdown until its drain timeout), then waits for the process
    /// to exit: its status and what it printed after the ready line.
    pub fn wait(self) -> Result<(ExitStatus, String)> {
        let ChildEmulator {
            mut process,
            runtime,
            admin,
            ..
        } = self;
        drop(admin);
        drop(runtime);
        let io = |source| Error::File {
            path: PathBuf::from("<emulator stdout>"),
            source,
        };
        let status = process.child.wait().map_err(io)?;
        let mut rest = String::new();
        process.stdout.read_to_string(&mut rest).map_err(io)?;
        Ok((status, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ready_line_with_and_without_an_admin_token() {
        let line = r#"{"ready":true,"url":"https://127.0.0.1:4443/","state_dir":"/s","ca_file":"/s/ca.pem","admin_token":"ab12"}"#;
        let ready = Ready::parse(line).unwrap();
        assert_eq!(ready.url, "https://127.0.0.1:4443");
        assert_eq!(ready.state_dir, PathBuf::from("/s"));
        assert_eq!(ready.ca_file, PathBuf::from("/s/ca.pem"));
        assert_eq!(ready.admin_token.as_deref(), Some("ab12"));
        let without = line.replace(r#""admin_token":"ab12""#, r#""admin_token":null"#);
        assert_eq!(Ready::parse(&without).unwrap().admin_token, None);
    }

    #[test]
    fn anything_but_a_ready_line_is_refused() {
        assert!(Ready::parse("Error: bind failed").is_err());
        assert!(Ready::parse(r#"{"ready":false}"#).is_err());
        let no_ca = Ready::parse(r#"{"ready":true,"url":"https://127.0.0.1:1","state_dir":"/s"}"#);
        assert!(no_ca.unwrap_err().contains("ca_file"));
    }
}
