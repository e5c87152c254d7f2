//! One module per subcommand.

mod completions;
mod consent_url;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator;
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

use crate::cli::{Cli, Command};
use crate::error::Error;

/// Runs the subcommand the command line asks for.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let Cli { global, command } = cli;
    match command {
        Command::Run { file } => run::run(&global, &file).await,
        Command::Users(args) => users::run(&global, &args).await,
        Command::Groups(args) => users::groups(&global, &args).await,
        Command::Get(args) => get::run(&global, &args).await,
        Command::Sync(args) => sync::run(&global, &args).await,
        Command::Token { raw, only } => {
            let show = match (only, raw) {
                (true, _) => token::Show::TokenOnly,
                (false, true) => token::Show::InfoAndToken,
                (false, false) => token::Show::Info,
            };
            token::run(&global, show).await
        }
        Command::ConsentUrl => consent_url::run(&global),
        Command::Completions { shell } => completions::run(shell),
        Command::Man => man::run(),
        Command::Serve(args) => serve::run(&global, &args).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(args).await,
        #[cfg(feature = "emulator")]
        Command::Demo { users } => demo::run(&global, users).await,
    }
}
