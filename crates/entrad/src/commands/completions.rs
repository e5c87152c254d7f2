//! `entrad completions SHELL`: the completion script, from the same command
//! definitions as the parser (clap_complete).

use std::io::Write as _;

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::Error;

/// Writes the completion script for `shell` on stdout.
pub fn run(shell: clap_complete::Shell) -> Result<(), Error> {
    // clap_complete panics when its writer fails: it writes to memory, and a
    // reader that goes away (`| head`) is then an ordinary write error.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "entrad", &mut script);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(())
}
