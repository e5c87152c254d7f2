//! Copies SQLite's write-ahead log into the database on a thread of its own,
//! so that a page's commit never waits for a checkpoint.
//!
//! With SQLite's automatic checkpoints, the commit that fills the log copies
//! it into the database before it returns: a fifth of an initial sync was
//! spent there, on the thread that applies the pages. A passive checkpoint
//! from another connection does the same work alongside the writer, never
//! blocking it or the readers.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// The checkpointing thread; dropping it lets the thread finish and waits for it.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The last checkpoint found the log past [`MAX_LOG_FRAMES`].
    past_limit: Arc<AtomicBool>,
}

impl Checkpointer {
    /// A thread with its own connection to `path`; `None` when either cannot
    /// be had (the writer then keeps SQLite's automatic checkpoints).
    pub(crate) fn start(path: &Path) -> Option<Checkpointer> {
        let conn = Connection::open(path)
            .and_then(|conn| {
                conn.busy_timeout(RESTART_WAIT)?;
                Ok(conn)
            })
            .inspect_err(|e| tracing::debug!(error = %e, "no checkpoint connection"))
            .ok()?;
        let (wake, woken) = sync_channel::<()>(1);
        let past_limit = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&past_limit);
        let thread = std::thread::Builder::new()
            .name("entrad-sqlite-checkpoint".to_owned())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // Past the limit, the writer's restart has the log to
                    // itself: two checkpoints at once make one of them busy.
                    if !seen.load(Ordering::Relaxed) {
                        checkpoint(&conn, &seen);
                    }
                }
            })
            .inspect_err(|e| tracing::debug!(error = %e, "no checkpoint thread"))
            .ok()?;
        Some(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
            past_limit,
        })
    }

    /// After a commit on `writer`: the thread checkpoints, now or right
    /// after the checkpoint it is running (one wake-up pending is enough).
    /// When the thread last found the log past its limit, the writer makes
    /// it start over first ([`restart`]), waiting `busy` again afterwards.
    pub(crate) fn committed(&self, writer: &Connection, busy: Duration) {
        if self.past_limit.load(Ordering::Relaxed) {
            restart(writer, busy);
            self.past_limit.store(false, Ordering::Relaxed);
        }
        if let Some(wake) = &self.wake
            && let Err(TrySendError::Disconnected(())) = wake.try_send(())
        {
            tracing::debug!("the checkpoint thread has stopped");
        }
    }
}

/// Makes the log start over, from the writer between two pages: a RESTART
/// checkpoint copies what the passive ones left and makes the next
/// transaction write the log from its start. On the checkpoint thread it
/// would wait for the writer's lock, which a writer applying page after page
/// takes again at once: measured, the log then grew with every page. Here
/// it only waits for readers, at most [`RESTART_WAIT`] (the log then grows
/// until the next try).
fn restart(writer: &Connection, busy: Duration) {
    let restarted = writer.busy_timeout(RESTART_WAIT).and_then(|()| {
        writer.query_row("PRAGMA wal_checkpoint(RESTART)", [], |row| {
            row.get::<_, i64>(0)
        })
    });
    match restarted {
        Ok(0) => {}
        Ok(_) => tracing::debug!("restarting checkpoint busy: a reader holds the log"),
        Err(e) => tracing::debug!(error = %e, "restarting checkpoint skipped"),
    }
    if let Err(e) = writer.busy_timeout(busy) {
        tracing::debug!(error = %e, "busy timeout not restored");
    }
}

/// How long a RESTART checkpoint waits for the readers, blocking the writer
/// meanwhile: a reader of the mirror may hold its snapshot for long, and the
/// sync must not stall behind it (the log then grows until the next try).
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// The log's length, in frames (pages), past which the writer is made to wait
/// for the log to start over: 64 MiB of the 16 KiB pages of a new mirror.
const MAX_LOG_FRAMES: i64 = 4096;

/// Copies the log into the database without waiting for anyone (PASSIVE),
/// and notes when the log has passed [`MAX_LOG_FRAMES`]: the log only starts
/// over when a checkpoint has caught up before the writer's next
/// transaction, which pages that keep coming may never let happen, so the
/// writer then restarts it ([`Checkpointer::committed`]). Busy (another
/// process checkpointing) is not a failure.
fn checkpoint(conn: &Connection, past_limit: &AtomicBool) {
    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        row.get::<_, i64>(1)
    }) {
        Ok(log) => past_limit.store(log > MAX_LOG_FRAMES, Ordering::Relaxed),
        Err(e) => tracing::debug!(error = %e, "checkpoint skipped"),
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            // The thread only ends its loop; a panic there would be SQLite's.
            let _ = thread.join();
        }
    }
}
