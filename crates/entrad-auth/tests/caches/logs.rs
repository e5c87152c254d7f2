//! Every log line of this test binary, at every level, captured for the
//! checks that tokens are never logged and that warnings come once.

use std::sync::OnceLock;

use crate::support::Captured;

fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        // Global, not per thread: the stores log from blocking-pool threads too.
        tracing::subscriber::set_global_default(captured.subscriber()).unwrap();
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
