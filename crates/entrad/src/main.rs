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

mod cli;
mod commands;
mod config;
mod error;
mod exit;
mod logging;
mod output;
mod report;
mod serve;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, parser::ValueSource};

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let mut cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // `entrad sync` prints a line unless a format is asked for.
    if let cli::Command::Sync(args) = &mut cli.command {
        args.format_given = matches.value_source("format") == Some(ValueSource::CommandLine);
    }
    cli.global.config_from_env = matches.value_source("config") == Some(ValueSource::EnvVariable);
    logging::init(cli.global.verbose, cli.global.quiet, cli.global.log_format);
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
    match runtime.block_on(commands::run(cli)) {
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
