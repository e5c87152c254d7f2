//! `entrad completions SHELL`: the completion script, from the same command
//! definitions as the parser (clap_complete).

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::Error;

/// Writes the completion script for `shell` on stdout.
pub fn run(shell: clap_complete::Shell) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "entrad", &mut stdout);
    Ok(())
}
