//! `entrad run parameters.json`: the quickstart's job.

use std::path::Path;

use crate::cli::GlobalArgs;
use crate::commands::listing::{Extent, Written, failure_on, write_get};
use crate::commands::session::Session;
use crate::config::{self, Settings};
use crate::error::Error;
use crate::output::{self, Sink, progress::Progress};

/// Token from the file's credential, GET the file's `endpoint`, every page to stdout.
pub async fn run(global: &GlobalArgs, file: &Path) -> Result<(), Error> {
    let settings = config::load(global, Some(file))?;
    let mut sink = output::sink(global.format, output::stdout(), Vec::new());
    let mut progress = Progress::new(!global.quiet);
    quickstart(settings, sink.as_mut(), &mut progress).await?;
    Ok(())
}

/// The quickstart's flow on merged settings: `endpoint`, all pages, into `sink`.
pub async fn quickstart(
    settings: Settings,
    sink: &mut dyn Sink,
    progress: &mut Progress,
) -> Result<Written, Error> {
    let session = Session::open(settings)?;
    let endpoint = session.settings.endpoint()?.to_string();
    let written = write_get(&session.graph, &endpoint, Extent::default(), sink, progress).await;
    session.report_retries();
    written.map_err(|failure| failure_on(&session, &endpoint, failure))
}
