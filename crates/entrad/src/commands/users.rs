//! `entrad users` and `entrad groups`: the directory's users (or groups), every page.

use entrad_graph::{GraphClient, UsersQuery};

use crate::cli::{GlobalArgs, UsersArgs};
use crate::commands::listing::{Extent, write_pages};
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;
use crate::output::{self, progress::Progress};

/// The largest `$top` Graph allows for users and groups.
const MAX_TOP: u32 = 999;

/// Lists users with Graph's query options; `--select` also fixes csv/table columns.
pub async fn run(global: &GlobalArgs, args: &UsersArgs) -> Result<(), Error> {
    list(global, args, GraphClient::users).await
}

/// Lists groups as [`run`] lists users.
pub async fn groups(global: &GlobalArgs, args: &UsersArgs) -> Result<(), Error> {
    list(global, args, GraphClient::groups).await
}

async fn list(
    global: &GlobalArgs,
    args: &UsersArgs,
    collection: fn(&GraphClient) -> UsersQuery<'_>,
) -> Result<(), Error> {
    let session = Session::open(config::load(global, None)?)?;
    let mut query = collection(&session.graph)
        .select(&args.select)
        .count(args.count);
    if let Some(filter) = &args.filter {
        query = query.filter(filter.clone());
    }
    if let Some(search) = &args.search {
        query = query.search(search.clone());
    }
    if let Some(orderby) = &args.orderby {
        query = query.orderby(orderby.clone());
    }
    // Without --page-size, the largest page Graph allows: a tenth of the
    // requests of its default (100), and the fast path (BENCHMARKS.md).
    query = query.top(args.page_size().map_or(MAX_TOP, u32::from));
    if let Some(limit) = args.limit {
        query = query.limit(limit);
    }
    let extent = Extent {
        limit: args.limit,
        first_page_only: false,
    };
    let mut sink = output::sink(global.format, output::stdout(), args.select.clone());
    let mut progress = Progress::new(!global.quiet);
    let written = write_pages(query.raw_pages(), extent, sink.as_mut(), &mut progress).await;
    session.report_retries();
    match written {
        Ok(_) => Ok(()),
        Err(failure) => Err(session.failure(failure)),
    }
}
