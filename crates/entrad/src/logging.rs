//! Logs go to stderr only, so stdout holds nothing but data.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// `-q`: errors only; default: warnings; `-v` info, `-vv` debug, `-vvv` trace.
/// Dependencies (HTTP, TLS) stay at `info` at most: their traces can show header values.
/// `RUST_LOG` overrides all of this. `format` chooses text lines or one JSON
/// object per line, with the same fields.
pub fn init(verbose: u8, quiet: bool, format: LogFormat) {
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
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2)
        .with_env_filter(filter);
    // A second initialisation (none happens in this binary) would only be ignored.
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}
