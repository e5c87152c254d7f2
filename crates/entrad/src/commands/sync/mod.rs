//! `entrad sync`: users and groups mirrored into SQLite or PostgreSQL with
//! delta rounds (entrad-sync), once or every `--watch` interval, for one
//! tenant or every tenant of `--tenants`.

mod interval;
mod report;
mod stores;
mod tenants;
mod worker;

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use entrad_sync::{Counts, Kind, Outcome, Plan, Selection, Target};
use futures_util::StreamExt;

use crate::cli::{Format, GlobalArgs, SyncArgs, SyncKind};
use crate::error::Error;
use crate::output::progress::Progress;
use report::{RunReport, TenantRun};
use stores::Stores;
use worker::Worker;

/// Syncs once, or until SIGTERM/Ctrl-C with `--watch`.
pub async fn run(global: &GlobalArgs, args: &SyncArgs) -> Result<(), Error> {
    let target = target(args.into.as_deref())?;
    let plan = Plan {
        kinds: kinds(&args.kinds),
        selection: Selection::new(&args.select).map_err(Error::Sync)?,
        page_size: Some(args.page_size),
        run_began_ms: None,
    };
    let watch = args.watch.as_deref().map(interval::parse).transpose()?;
    let tenants = args.tenants.as_deref().map(tenants::read).transpose()?;
    let mut workers = Worker::all(global, tenants)?;
    let stores = Stores::default();
    let json = args.format_given && matches!(global.format, Format::Json | Format::Ndjson);
    let concurrency = usize::from(args.concurrency);
    let _file_size_limit = catch_file_size_limit();
    let mut stop = std::pin::pin!(stop_signal());
    loop {
        let run = run_once(
            &mut workers,
            &stores,
            &target,
            &plan,
            concurrency,
            !global.quiet,
        );
        let report = tokio::select! {
            report = run => report,
            () = &mut stop => return stopped(),
        };
        report.write(&mut std::io::stdout().lock(), json)?;
        let Some(interval) = watch else {
            return report.into_result();
        };
        report.print_failures();
        tokio::select! {
            () = tokio::time::sleep(interval::jittered(interval)) => {}
            () = &mut stop => return stopped(),
        }
    }
}

/// The database of `--into`, or the default file in the user's data directory.
fn target(into: Option<&str>) -> Result<Target, Error> {
    match into {
        Some(spec) => Target::parse(spec).map_err(Error::Sync),
        None => {
            let dir = dirs::data_dir().ok_or_else(|| {
                Error::Config(
                    "no data directory for the default database: pass --into sqlite:PATH"
                        .to_owned(),
                )
            })?;
            Ok(Target::Sqlite(dir.join("entrad").join("mirror.db")))
        }
    }
}

/// The kinds asked for, in order, each once; none means both.
fn kinds(asked: &[SyncKind]) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = asked
        .iter()
        .map(|kind| match kind {
            SyncKind::Users => Kind::Users,
            SyncKind::Groups => Kind::Groups,
        })
        .collect();
    if kinds.is_empty() {
        kinds = vec![Kind::Users, Kind::Groups];
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Every tenant once, `concurrency` at a time; a failure stops only its tenant.
/// A tenant another worker of a fleet synced since this run began is skipped.
/// Tenants found busy are tried once more at the end of the pass: a worker
/// that died holding one has let it go by then, and it is taken in this run
/// rather than the next (one held or synced by a live worker is skipped again).
async fn run_once(
    workers: &mut [Worker],
    stores: &Stores,
    target: &Target,
    plan: &Plan,
    concurrency: usize,
    show_progress: bool,
) -> RunReport {
    let started = Instant::now();
    let began = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_millis()).ok());
    let plan = &Plan {
        run_began_ms: began,
        ..plan.clone()
    };
    let progress = &Mutex::new(Progress::new(show_progress));
    let first = workers.iter_mut().collect();
    let mut tenants = sync_pass(first, stores, target, plan, concurrency, progress).await;
    let busy: Vec<String> = tenants
        .iter()
        .filter(|run| matches!(run.result, Ok(Outcome::Busy)))
        .map(|run| run.tenant.clone())
        .collect();
    if !busy.is_empty() {
        let again = workers
            .iter_mut()
            .filter(|worker| busy.contains(&worker.tenant))
            .collect();
        for retried in sync_pass(again, stores, target, plan, concurrency, progress).await {
            if let Some(run) = tenants.iter_mut().find(|run| run.tenant == retried.tenant) {
                run.token_requests += retried.token_requests;
                run.result = retried.result;
            }
        }
    }
    RunReport {
        tenants,
        elapsed: started.elapsed(),
    }
}

/// One pass over `workers`, `concurrency` at a time.
async fn sync_pass(
    workers: Vec<&mut Worker>,
    stores: &Stores,
    target: &Target,
    plan: &Plan,
    concurrency: usize,
    progress: &Mutex<Progress>,
) -> Vec<TenantRun> {
    futures_util::stream::iter(workers)
        .map(|worker| async move {
            let before = worker.token_requests();
            let mut on_page = |counts: &Counts| {
                if let Ok(mut progress) = progress.lock() {
                    let items = counts.added + counts.changed + counts.removed;
                    progress.page(usize::try_from(items).unwrap_or(usize::MAX));
                }
            };
            let result = worker.sync(stores, target, plan, &mut on_page).await;
            TenantRun {
                tenant: worker.tenant.clone(),
                result,
                token_requests: worker.token_requests() - before,
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

/// Says why the process stops (every applied page stays applied): not a failure.
fn stopped() -> Result<(), Error> {
    eprintln!("entrad: stopped by a signal; the next sync resumes after the last page applied");
    Ok(())
}

/// SIGXFSZ's default action kills the process, without a word, when a write
/// passes the file size limit (`ulimit -f`): with a handler the write fails
/// with EFBIG instead, the database reports it, and the run ends with the
/// error and a hint (exit 2). Kept for the run (tokio's handler stays
/// installed for the process either way).
fn catch_file_size_limit() -> Option<impl Sized> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::from_raw(libc::SIGXFSZ))
            .inspect_err(|e| tracing::debug!(error = %e, "SIGXFSZ stays fatal"))
            .ok()
    }
    #[cfg(not(unix))]
    None::<()>
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    // Without a SIGTERM handler, Ctrl-C still stops cleanly; if neither
    // can be watched, never complete (the default handlers end the process).
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
