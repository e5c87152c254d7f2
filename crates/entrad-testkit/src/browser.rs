//! A real browser for the web pages' tests: Debian's headless Chromium driven over
//! WebDriver by its `chromedriver` (`ENTRAD_TEST_CHROMEDRIVER`, set by scripts/test's
//! `scripts/services/chromium.sh`). Chromium trusts the emulator's CA the way a user
//! would make it: imported into the NSS database of a fresh home directory (no
//! `--ignore-certificate-errors`). Screenshots go to `target/screenshots/`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::{Error, Result};

/// `ENTRAD_TEST_CHROMEDRIVER`: missing is an error naming the fix (tests fail on it,
/// never skip).
pub fn chromedriver() -> Result<PathBuf> {
    std::env::var_os("ENTRAD_TEST_CHROMEDRIVER")
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::MissingTool(
                "ENTRAD_TEST_CHROMEDRIVER is not set: run the browser tests with scripts/test (scripts/services/chromium.sh installs Debian's chromium and chromium-driver and sets it)".into(),
            )
        })
}

/// Where screenshots are written: `target/screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    crate::workspace::workspace_root().join("target/screenshots")
}

fn browser_error(what: &str, reason: impl std::fmt::Display) -> Error {
    Error::Browser(format!("{what}: {reason}"))
}

/// Runs `certutil` (libnss3-tools) with `args`.
fn certutil(args: &[&std::ffi::OsStr]) -> Result<()> {
    let output = Command::new("certutil").args(args).output().map_err(|e| {
        Error::MissingTool(format!(
            "cannot run certutil ({e}): install libnss3-tools, as scripts/services/chromium.sh does"
        ))
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(browser_error(
            "certutil failed",
            String::from_utf8_lossy(&output.stderr).trim(),
        ))
    }
}

/// Makes `home/.pki/nssdb` (Chromium's certificate store on Linux) trust `ca_file`.
fn trust(home: &Path, ca_file: &Path) -> Result<()> {
    let db = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).map_err(|source| Error::File {
        path: db.clone(),
        source,
    })?;
    let db = format!("sql:{}", db.display());
    certutil(&[
        "-N".as_ref(),
        "-d".as_ref(),
        db.as_ref(),
        "--empty-password".as_ref(),
    ])?;
    certutil(&[
        "-A".as_ref(),
        "-d".as_ref(),
        db.as_ref(),
        "-t".as_ref(),
        "C,,".as_ref(),
        "-n".as_ref(),
        "entrad-emulator".as_ref(),
        "-i".as_ref(),
        ca_file.as_os_str(),
    ])
}

/// A headless Chromium session, and the chromedriver that runs it (killed on drop).
pub struct Browser {
    client: Client,
    _driver: Driver,
}

/// chromedriver and the Chromium it started, in their own process group and
/// home directory: stopped on drop, even when a test fails before closing.
struct Driver {
    child: Child,
    home: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a Chromium that trusts `ca_file`. Call it inside the
    /// runtime the test drives the browser from.
    pub async fn start(ca_file: &Path) -> Result<Browser> {
        let driver_path = chromedriver()?;
        let home = tempfile::tempdir().map_err(|source| Error::File {
            path: std::env::temp_dir(),
            source,
        })?;
        trust(home.path(), ca_file)?;
        let mut command = Command::new(&driver_path);
        // Its own process group, which holds the Chromium it starts: stopping the group
        // on drop leaves no browser behind when a test fails before closing it.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .arg("--port=0")
            .env("HOME", home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| browser_error(&format!("cannot run {}", driver_path.display()), e))?;
        let mut driver = Driver { child, home };
        let port = announced_port(&mut driver.child)?;
        let profile = driver.home.path().join("profile");
        let mut options = json!({
            "args": [
                "--headless=new",
                // Tests run as root in CI containers, where the sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--password-store=basic",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        });
        if let Some(binary) = driver_path
            .parent()
            .map(|d| d.join("chromium"))
            .filter(|b| b.exists())
        {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| browser_error("chromedriver did not start Chromium", e))?;
        Ok(Browser {
            client,
            _driver: driver,
        })
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Writes a PNG of the window to `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(|e| browser_error("cannot take a screenshot", e))?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).map_err(|source| Error::File {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|source| Error::File {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Ends the session (Chromium exits) and stops chromedriver.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[cfg(unix)]
        // `--` before the negative process group id: procps-ng's kill 4.0.2 reads
        // `kill -KILL -12345` as `kill(-1, SIGKILL)`, which killed every process
        // on the machine whenever chromedriver's pid started with a 1.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", self.child.id()))
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port chromedriver announces: "ChromeDriver was started successfully on port N."
fn announced_port(driver: &mut Child) -> Result<u16> {
    let stdout = driver
        .stdout
        .take()
        .ok_or_else(|| browser_error("chromedriver", "no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.map_err(|e| browser_error("cannot read chromedriver's output", e))?;
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            let port = rest.trim_end_matches('.').trim();
            // Keep draining its output so that chromedriver never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return port
                .parse()
                .map_err(|e| browser_error(&format!("chromedriver's port {port:?}"), e));
        }
    }
    Err(browser_error(
        "chromedriver",
        "exited without announcing its port",
    ))
}
