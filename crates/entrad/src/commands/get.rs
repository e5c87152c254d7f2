//! `entrad get PATH`: any Graph GET, every page.

use crate::cli::GlobalArgs;
use crate::commands::listing::write_get;
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;
use crate::output::{self, progress::Progress};

/// GET `path_or_url` (relative to the Graph URL, or absolute) and print it.
pub async fn run(global: &GlobalArgs, path_or_url: &str) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    let mut sink = output::sink(global.format, output::stdout(), Vec::new());
    let mut progress = Progress::new(!global.quiet);
    let written = write_get(&session.graph, path_or_url, sink.as_mut(), &mut progress).await;
    session.report_retries();
    match written {
        Ok(_) => Ok(()),
        Err(failure) => Err(session.failure(failure)),
    }
}
