//! `entrad get PATH`: any Graph GET, every page (or `--limit` items, or `--no-paginate`).

use crate::cli::{GetArgs, GlobalArgs};
use crate::commands::listing::{Extent, failure_on, write_get};
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;
use crate::output::{self, progress::Progress};

/// GET `args.path_or_url` (relative to the Graph URL, or absolute) and print it.
pub async fn run(global: &GlobalArgs, args: &GetArgs) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    let mut sink = output::sink(global.format, output::stdout(), Vec::new());
    let mut progress = Progress::new(!global.quiet);
    let extent = Extent {
        limit: args.limit,
        first_page_only: args.no_paginate,
    };
    let written = write_get(
        &session.graph,
        &args.path_or_url,
        extent,
        sink.as_mut(),
        &mut progress,
    )
    .await;
    session.report_retries();
    match written {
        Ok(_) => Ok(()),
        Err(failure) => Err(failure_on(&session, &args.path_or_url, failure)),
    }
}
