//! One Tokio runtime per process, and the waits on it.
//!
//! A process forked after the runtime started (gunicorn's pre-fork workers,
//! `multiprocessing` with "fork") inherits the runtime's memory but none of
//! its threads: the runtime is rebuilt in the child the first time it is
//! needed there, found by the process id ([`process_id`]). Every wait releases the GIL, and
//! wakes up every [`SIGNAL_CHECK`] to let Python run its signal handlers, so
//! that Ctrl-C interrupts a token request promptly.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::internal_error;

/// How often a waiting call looks for a pending signal (KeyboardInterrupt).
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Worker threads of the runtime: token requests and Graph pages are I/O,
/// and a Python process (one of a pre-fork server's workers) needs few.
const WORKER_THREADS: usize = 2;

/// The runtime and the process that built it.
struct PerProcess {
    pid: u32,
    runtime: Arc<tokio::runtime::Runtime>,
}

static RUNTIME: Mutex<Option<PerProcess>> = Mutex::new(None);

/// This process's id, kept by [`watch_forks`]; 0 until then.
static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

/// This process's id without a system call (`getpid` on every token call
/// cost more than the rest of a cache hit's Rust side): set when the module is
/// loaded and again in every child Python forks (`os.fork()`, which
/// `multiprocessing` and gunicorn use), by the hook [`watch_forks`] registers.
pub(crate) fn process_id() -> u32 {
    match PROCESS_ID.load(Ordering::Relaxed) {
        0 => std::process::id(),
        pid => pid,
    }
}

/// Records this process's id, and registers the hook that records a forked
/// child's (`os.register_at_fork(after_in_child=...)`).
pub(crate) fn watch_forks(module: &Bound<'_, PyModule>) -> PyResult<()> {
    PROCESS_ID.store(std::process::id(), Ordering::Relaxed);
    let hook = wrap_pyfunction!(forked, module)?;
    let kwargs = pyo3::types::PyDict::new(module.py());
    kwargs.set_item("after_in_child", hook)?;
    module
        .py()
        .import("os")?
        .getattr("register_at_fork")?
        .call((), Some(&kwargs))?;
    Ok(())
}

/// In a child Python forked: its own id.
#[pyfunction]
fn forked() {
    PROCESS_ID.store(std::process::id(), Ordering::Relaxed);
}

/// This process's runtime, built on first use and again after a fork.
///
/// Called attached to the interpreter: `os.fork()` forks holding the GIL, so
/// no thread of the parent can hold this lock at the moment of the fork.
pub(crate) fn runtime(_py: Python<'_>) -> PyResult<Arc<tokio::runtime::Runtime>> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    let pid = process_id();
    if let Some(current) = slot.as_ref()
        && current.pid == pid
    {
        return Ok(current.runtime.clone());
    }
    if let Some(inherited) = slot.take() {
        // The parent's runtime: its threads do not exist in this process, so
        // dropping it would wait for them forever. Its memory is left alone.
        std::mem::forget(inherited.runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("entrad")
        .enable_all()
        .build()
        .map_err(|e| internal_error(format!("cannot start the I/O runtime: {e}")))?;
    let runtime = Arc::new(runtime);
    *slot = Some(PerProcess {
        pid,
        runtime: runtime.clone(),
    });
    Ok(runtime)
}

/// Polls `future` once on the calling thread (a cache hit completes there,
/// with no thread hop); `Err(future)` when it has more to wait for.
fn poll_once<T, F>(
    runtime: &tokio::runtime::Runtime,
    mut future: std::pin::Pin<Box<F>>,
) -> Result<T, std::pin::Pin<Box<F>>>
where
    F: Future<Output = T> + ?Sized,
{
    let _context = runtime.enter();
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(value) => Ok(value),
        // The noop waker is dropped: a spawned task is polled at once with its own.
        Poll::Pending => Err(future),
    }
}

/// Runs `future` to completion on this process's runtime: see [`wait_on`].
pub(crate) fn wait<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let runtime = runtime(py)?;
    wait_on(py, &runtime, future)
}

/// Runs `future` to completion: inline when it is ready at once, else on
/// `runtime` (this process's) with the GIL released, checking for signals while it waits. A
/// signal's exception (KeyboardInterrupt) cancels the task and is raised.
pub(crate) fn wait_on<T, F>(
    py: Python<'_>,
    runtime: &tokio::runtime::Runtime,
    future: F,
) -> PyResult<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let future = match poll_once(runtime, Box::pin(future)) {
        Ok(value) => return Ok(value),
        Err(future) => future,
    };
    let (sender, receiver) = sync_channel(1);
    let task = runtime.spawn(async move {
        // The waiter is gone only when it raised: nobody wants the value.
        let _ = sender.send(future.await);
    });
    let mut receiver = receiver;
    loop {
        let (back, received) = py.detach(move || {
            let received = receiver.recv_timeout(SIGNAL_CHECK);
            (receiver, received)
        });
        receiver = back;
        match received {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(internal_error("the I/O task ended without an answer"));
            }
        }
    }
}

/// Runs `future` on `runtime` (this process's) for an asyncio caller:
/// `Some(value)` when it is ready at once, else `None` and `deliver` is
/// called attached to the interpreter, on a runtime thread, when it
/// completes (it hands the value to the event loop).
pub(crate) fn start_on<T, F, D>(
    runtime: &tokio::runtime::Runtime,
    future: F,
    deliver: D,
) -> Option<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
    D: FnOnce(Python<'_>, T) + Send + 'static,
{
    let future = match poll_once(runtime, Box::pin(future)) {
        Ok(value) => return Some(value),
        Err(future) => future,
    };
    runtime.spawn(async move {
        let value = future.await;
        Python::attach(|py| deliver(py, value));
    });
    None
}
