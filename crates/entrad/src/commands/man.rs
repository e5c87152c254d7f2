//! `entrad man`: the man page entrad(1), from the same command definitions as
//! the parser (clap_mangen); with `--dir`, a page per subcommand too, so the
//! `entrad-users(1)` that entrad(1) refers to exists.

use std::io::Write as _;
use std::path::Path;

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::Error;

/// Writes entrad(1) in roff on stdout, or every page into `dir`.
pub fn run(dir: Option<&Path>) -> Result<(), Error> {
    if let Some(dir) = dir {
        return clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
            Error::Config(format!(
                "cannot write the man pages into {}: {e}",
                dir.display()
            ))
        });
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&page)?;
    stdout.flush()?;
    Ok(())
}
