//! `entrad man`: the man page entrad(1), from the same command definitions as
//! the parser (clap_mangen).

use std::io::Write as _;

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::Error;

/// Writes the man page in roff on stdout.
pub fn run() -> Result<(), Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&page)?;
    stdout.flush()?;
    Ok(())
}
