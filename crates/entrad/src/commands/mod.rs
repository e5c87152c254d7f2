//! One module per subcommand.

mod api;
mod completions;
mod consent_url;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator;
mod failure;
mod get;
mod listing;
mod man;
mod run;
mod serve;
mod session;
mod sync;
mod token;
mod token_source;
mod users;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::Error;

/// What the command line says beyond its values: whether `--config` came from
/// ENTRAD_CONFIG, and whether `--format` was given (`entrad sync`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sources {
    /// `--config` came from ENTRAD_CONFIG.
    pub config_from_env: bool,
    /// `--format` was on the command line.
    pub format_given: bool,
}

/// Runs the subcommand the command line asks for.
pub async fn run(cli: Cli, sources: Sources) -> Result<(), Error> {
    let Cli { log, command } = cli;
    let global = GlobalArgs::new(&log);
    let with = |connection, output| {
        GlobalArgs::new(&log)
            .connection(connection, sources.config_from_env)
            .output(output)
    };
    match command {
        Command::Run {
            file,
            output,
            connection,
        } => run::run(&with(connection, &output), &file).await,
        Command::Users {
            args,
            output,
            connection,
        } => users::run(&with(connection, &output), &args).await,
        Command::Groups {
            args,
            output,
            connection,
        } => users::groups(&with(connection, &output), &args).await,
        Command::Api {
            args,
            output,
            connection,
        } => api::run(&with(connection, &output), &args).await,
        Command::Get {
            args,
            output,
            connection,
        } => get::run(&with(connection, &output), &args).await,
        Command::Sync {
            mut args,
            output,
            connection,
        } => {
            args.format_given = sources.format_given;
            sync::run(&with(connection, &output), &args).await
        }
        Command::Token {
            raw,
            only,
            output,
            connection,
        } => {
            let show = match (only, raw) {
                (true, _) => token::Show::TokenOnly,
                (false, true) => token::Show::InfoAndToken,
                (false, false) => token::Show::Info,
            };
            token::run(&with(connection, &output), show).await
        }
        Command::ConsentUrl { app } => consent_url::run(&global.app(app)),
        Command::Completions { shell } => completions::run(shell),
        Command::Man { dir } => man::run(dir.as_deref()),
        Command::Serve { args, connection } => {
            serve::run(
                &global.connection(connection, sources.config_from_env),
                &args,
            )
            .await
        }
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(args).await,
        #[cfg(feature = "emulator")]
        Command::Demo { users, output } => demo::run(&global.output(&output), users).await,
    }
}
