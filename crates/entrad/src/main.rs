//! `entrad`: a daemon that acts as itself on Microsoft Entra ID and calls
//! Microsoft Graph. It runs the MSAL Python quickstart's `parameters.json`
//! unchanged (`entrad run parameters.json`), and goes further: `users`, `get`,
//! `token`, `consent-url`, a token broker for local processes (`serve`), an offline `emulator`, and a self-contained `demo`.
//! `emulator` and `demo` come with the default feature `emulator`; a build
//! without it (`--no-default-features`) has no emulator's server side in it and
//! treats both as unknown subcommands (usage error, exit 2).
//!
//! Only data goes to stdout; logs, progress and the one-line error go to
//! stderr. Exit codes: 0 ok, 2 usage or configuration, 3 authentication,
//! 4 permission, 5 network or service unavailable (see `exit.rs`).

mod argv;
mod cli;
mod commands;
mod config;
mod error;
mod exit;
mod formats;
mod logging;
mod options;
mod output;
mod report;
mod serve;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, parser::ValueSource};

fn main() -> ExitCode {
    let command = cli::Cli::command();
    let moved = argv::options_after_subcommand(std::env::args_os().collect(), &command);
    let matches = command.get_matches_from(moved.args);
    let cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let sources = match matches.subcommand() {
        Some((_, sub)) => {
            let source = |id: &str| {
                // Only the ids a subcommand has may be asked about.
                sub.try_get_raw(id)
                    .is_ok()
                    .then(|| sub.value_source(id))
                    .flatten()
            };
            commands::Sources {
                config_from_env: source("config") == Some(ValueSource::EnvVariable),
                // `entrad sync` prints a line unless a format is asked for.
                format_given: source("format") == Some(ValueSource::CommandLine),
            }
        }
        None => commands::Sources::default(),
    };
    logging::init(cli.log.verbose, cli.log.quiet, cli.log.log_format);
    if let Some((name, _)) = matches.subcommand() {
        for option in moved.ignored {
            tracing::warn!("{option} does not apply to `entrad {name}`: left out");
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say(&format!("cannot start the async runtime: {e}"));
            return ExitCode::from(exit::INTERNAL);
        }
    };
    match runtime.block_on(commands::run(cli, sources)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let (code, message) = exit::outcome(&error);
            if let Some(message) = message {
                say(&message);
            }
            ExitCode::from(code)
        }
    }
}

/// The one error line on stderr; a stderr that cannot be written to loses it
/// (the exit code still tells), rather than panicking as `eprintln!` would.
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "entrad: {message}");
}
