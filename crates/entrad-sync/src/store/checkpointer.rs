//! Copies SQLite's write-ahead log into the database on a thread of its own,
//! so that a page's commit never waits for a checkpoint.
//!
//! With SQLite's automatic checkpoints, the commit that fills the log copies
//! it into the database before it returns: a fifth of an initial sync was
//! spent there, on the thread that applies the pages. A passive checkpoint
//! from another connection does the same work alongside the writer, never
//! blocking it or the readers.

use std::path::Path;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// The checkpointing thread; dropping it lets the thread finish and waits for it.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
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
        let thread = std::thread::Builder::new()
            .name("entrad-sqlite-checkpoint".to_owned())
            .spawn(move || {
                while woken.recv().is_ok() {
                    checkpoint(&conn);
                }
            })
            .inspect_err(|e| tracing::debug!(error = %e, "no checkpoint thread"))
            .ok()?;
        Some(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// After a commit: the thread checkpoints, now or right after the
    /// checkpoint it is running (one wake-up pending is enough).
    pub(crate) fn committed(&self) {
        if let Some(wake) = &self.wake
            && let Err(TrySendError::Disconnected(())) = wake.try_send(())
        {
            tracing::debug!("the checkpoint thread has stopped");
        }
    }
}

/// How long a RESTART checkpoint waits for the writer's transaction and the
/// readers, blocking new transactions meanwhile: a page's transaction takes
/// milliseconds, but a reader of the mirror may hold its snapshot for long,
/// and the sync must not stall behind it (the log then grows until the next try).
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// The log's length, in frames (pages), past which the writer is made to wait
/// for the log to start over: 64 MiB of the 16 KiB pages of a new mirror.
const MAX_LOG_FRAMES: i64 = 4096;

/// Copies the log into the database. PASSIVE copies what it can without
/// waiting for anyone, but the log only starts over when a checkpoint has
/// caught up before the writer's next transaction; while pages keep coming
/// that may not happen, so past [`MAX_LOG_FRAMES`] a RESTART checkpoint waits
/// for the writer's transaction, catches up and makes the next one start the
/// log over. Busy (another process checkpointing) is not a failure.
fn checkpoint(conn: &Connection) {
    let frames = |mode: &str| {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
            row.get::<_, i64>(1)
        })
    };
    match frames("PASSIVE") {
        Ok(log) if log > MAX_LOG_FRAMES => {
            if let Err(e) = frames("RESTART") {
                tracing::debug!(error = %e, "restarting checkpoint skipped");
            }
        }
        Ok(_) => {}
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
