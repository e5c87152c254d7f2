//! Every log line of this test binary, at every level, captured for the
//! checks that tokens are never logged and that warnings come once.

use std::io;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        // Global, not per thread: the stores log from blocking-pool threads too.
        tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish(),
        )
        .unwrap();
        captured
    })
}

/// Starts capturing (call first in every test).
pub fn init() {
    captured();
}

/// Everything logged so far by every test of this binary.
pub fn text() -> String {
    String::from_utf8_lossy(&captured().0.lock().unwrap()).into_owned()
}

/// Panics if `secret` was ever logged.
pub fn assert_never_logged(secret: &str) {
    assert!(!text().contains(secret), "a token was logged:\n{}", text());
}

/// The WARN lines that mention `marker`.
pub fn warnings_about(marker: &str) -> Vec<String> {
    text()
        .lines()
        .filter(|l| l.contains(" WARN ") && l.contains(marker))
        .map(str::to_string)
        .collect()
}
