//! Logs go to stderr only, so stdout holds nothing but data.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// `-q`: errors only; default: warnings; `-v` info, `-vv` debug, `-vvv` trace.
/// Dependencies (HTTP, TLS) stay at `info` at most: their traces can show header values.
/// `RUST_LOG` overrides all of this.
pub fn init(verbose: u8, quiet: bool) {
    let ours = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let theirs = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0 | 1) => "warn",
        (false, _) => "info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{theirs},entrad={ours},entrad_auth={ours},entrad_graph={ours},entrad_emulator={ours}"
        ))
    });
    // A second initialisation (none happens in this binary) would only be ignored.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(verbose >= 2)
        .with_env_filter(filter)
        .try_init();
}
