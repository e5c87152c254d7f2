//! The emulator's web pages in a real browser: Debian's headless Chromium over
//! WebDriver (entrad-testkit's `Browser`), trusting the emulator's CA, against an
//! `entrad emulator` child process, with the real `entrad` binary showing the effect
//! on Graph. Each page walked leaves a screenshot in `target/screenshots/`.

mod consent;
mod portal;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entrad_testkit::Browser;
use fantoccini::{Client, Locator};

use crate::support::Emulator;

/// How long a page may take to appear before the test fails (a hang, not a speed check).
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts Chromium (trusting `emulator`'s CA) on the emulator's runtime.
pub fn browser(emulator: &Emulator) -> Browser {
    emulator
        .block_on(Browser::start(emulator.ca_file()))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Opens `emulator`'s portal, signed in through its ready line's one-time URL.
pub async fn open_portal(client: &Client, emulator: &Emulator) {
    let portal = emulator.ready().portal_url.as_deref().unwrap();
    client.goto(portal).await.unwrap();
}

/// Waits for an element (failing with the page's URL when it does not come).
pub async fn find(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => panic!("no {css} on {:?}: {e}", client.current_url().await),
    }
}

/// Waits for an element and returns its text.
pub async fn text_of(client: &Client, css: &str) -> String {
    find(client, css).await.text().await.unwrap()
}

/// Waits until the text of an element (of the page a click is loading) satisfies
/// `wanted`, and returns it: a click's navigation can end after the click returns.
pub async fn text_when(client: &Client, css: &str, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if wanted(&text) {
            return text;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "{css} on {:?} still reads {text:?}",
                client.current_url().await
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits for an element and clicks it.
pub async fn click(client: &Client, css: &str) {
    find(client, css).await.click().await.unwrap();
}

/// Waits until the browser is at `url`.
pub async fn wait_for_url(client: &Client, url: &str) {
    let url = url::Url::parse(url).unwrap();
    if let Err(e) = client.wait().at_most(PAGE_TIMEOUT).for_url(&url).await {
        panic!(
            "the browser is at {:?}, not {url}: {e}",
            client.current_url().await
        );
    }
}

/// The app the consent flow returns to: a plain HTTP server on loopback that answers
/// every request with a page and remembers the request targets it was sent.
pub struct App {
    pub port: u16,
    pub targets: Arc<Mutex<Vec<String>>>,
}

impl App {
    pub fn start() -> App {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buffer = [0u8; 8192];
                let n = stream.read(&mut buffer).unwrap_or(0);
                let head = String::from_utf8_lossy(&buffer[..n]).into_owned();
                if let Some(target) = head.split_whitespace().nth(1) {
                    seen.lock().unwrap().push(target.to_owned());
                }
                let body =
                    "<!DOCTYPE html><title>The app</title><h1 id=\"app\">Back at the app</h1>";
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        App { port, targets }
    }

    /// The redirect URI to send: the registered `http://localhost/admin-consent`
    /// with this server's port (Entra ignores the port of loopback redirect URIs).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/admin-consent", self.port)
    }

    /// Whether the app was sent `target` (path and query).
    pub fn was_sent(&self, target: &str) -> bool {
        self.targets.lock().unwrap().iter().any(|t| t == target)
    }
}
