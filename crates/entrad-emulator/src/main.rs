//! `entrad-emulator`: the emulator on its own (also reachable as `entrad emulator`).

use clap::Parser;
use entrad_emulator::EmulatorArgs;
use tracing_subscriber::EnvFilter;

/// An offline Entra token service and Microsoft Graph for daemons, on loopback HTTPS.
#[derive(Parser, Debug)]
#[command(name = "entrad-emulator", version, about)]
struct Cli {
    #[command(flatten)]
    emulator: EmulatorArgs,
    /// More logs on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "warn,entrad_emulator=info",
        _ => "info,entrad_emulator=debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("entrad-emulator: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(entrad_emulator::run(cli.emulator)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("entrad-emulator: {}", report(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error, its causes (no message repeats its cause) and, where a flag
/// fixes it, the flag: on one line.
fn report(error: &entrad_emulator::Error) -> String {
    let mut line = error.to_string();
    for cause in std::iter::successors(std::error::Error::source(error), |e| e.source()) {
        line.push_str(&format!(": {cause}"));
    }
    if matches!(error, entrad_emulator::Error::NoDataDir) {
        line.push_str(": pass --state-dir");
    }
    line
}
