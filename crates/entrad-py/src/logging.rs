//! entrad's tracing events in Python's `logging`, on the logger `entrad`.
//!
//! Events are queued by a tracing layer on whatever thread emits them (a
//! runtime thread must not wait for the GIL: a thread holding it may be
//! waiting for that one) and handed to `logging` by the calling thread when a
//! call returns. The layer only keeps the levels the `entrad` logger lets
//! through, read from Python again whenever logging's levels may have changed.
//! Until the program imports `logging`, no level can have been set: the
//! `entrad` logger's is the default, WARNING, and `logging` is imported only
//! to deliver an event (importing it took a tenth of a listing's start).
//! entrad's libraries never put secrets in events.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The Python logger events go to.
const LOGGER: &str = "entrad";

/// Events waiting for a call to return; beyond this many, events are counted and dropped.
const QUEUE_LIMIT: usize = 1024;

/// Python's number for the least severe level the `entrad` logger lets
/// through (`logging.WARNING` = 30 until Python says otherwise).
static THRESHOLD: AtomicU8 = AtomicU8::new(30);
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Whether events wait in the queue: a call that emitted none returns
/// without taking the queue's lock.
static PENDING: AtomicBool = AtomicBool::new(false);
static QUEUE: Mutex<VecDeque<Record>> = Mutex::new(VecDeque::new());
static PY_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
/// `sys.modules`, where an imported `logging` is found.
static SYS_MODULES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
/// The `entrad` logger's `_cache` (what `isEnabledFor` answered, per level),
/// when this Python's logging has one (3.7 and later).
static PY_LOGGER_CACHE: PyOnceLock<Option<Py<PyDict>>> = PyOnceLock::new();

/// The level whose `isEnabledFor` answer marks the threshold as current: a
/// level nothing logs at. Python empties every logger's `_cache` whenever a
/// level may change (`setLevel` on any logger, `logging.disable`,
/// configuration), so while this level's answer is in it, the threshold read
/// with it still holds.
const PROBE_LEVEL: u8 = 1;

/// One event, as `logging` will get it.
struct Record {
    level: u8,
    target: String,
    message: String,
}

/// `logging`'s number for a tracing level (TRACE below DEBUG, as 5).
fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// Installs the layer as the process's tracing subscriber (once; a
/// subscriber installed by someone else is left in place).
pub(crate) fn install() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let subscriber = tracing_subscriber::registry().with(Forward);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Brings the threshold up to date with the `entrad` logger's effective
/// level: a look-up in the logger's `_cache` when logging's levels have not
/// changed since the last read (calling into Python on every token call cost
/// as much as the rest of a cache hit's Rust side), else a read.
pub(crate) fn sync_level(py: Python<'_>) {
    if PY_LOGGER_CACHE.get(py).is_none() && !logging_imported(py) {
        return;
    }
    let current =
        logger_cache(py).is_some_and(|cache| cache.bind(py).contains(PROBE_LEVEL).unwrap_or(false));
    if !current {
        let _ = read_level(py);
    }
}

/// Whether `logging` is in `sys.modules` (an error says yes: the levels are read).
fn logging_imported(py: Python<'_>) -> bool {
    let modules = SYS_MODULES.get_or_try_init(py, || {
        py.import("sys")?
            .getattr("modules")?
            .cast_into::<PyDict>()
            .map(Bound::unbind)
            .map_err(PyErr::from)
    });
    modules
        .and_then(|modules| modules.bind(py).contains(intern!(py, "logging")))
        .unwrap_or(true)
}

/// Reads the effective level, after leaving the probe's answer in the
/// logger's cache: a change of levels between the two empties the cache
/// again, and the next call reads again.
fn read_level(py: Python<'_>) -> PyResult<()> {
    let logger = logger(py)?.bind(py);
    logger.call_method1(intern!(py, "isEnabledFor"), (PROBE_LEVEL,))?;
    let level: u32 = logger
        .call_method0(intern!(py, "getEffectiveLevel"))?
        .extract()?;
    THRESHOLD.store(level.min(u32::from(u8::MAX)) as u8, Ordering::Relaxed);
    Ok(())
}

fn logger_cache(py: Python<'_>) -> Option<&Py<PyDict>> {
    PY_LOGGER_CACHE
        .get_or_init(py, || {
            let logger = logger(py).ok()?.bind(py);
            let cache = logger.getattr(intern!(py, "_cache")).ok()?;
            cache.cast_into::<PyDict>().ok().map(Bound::unbind)
        })
        .as_ref()
}

/// Hands the queued events to `logging`.
pub(crate) fn deliver(py: Python<'_>) {
    if !PENDING.swap(false, Ordering::AcqRel) {
        return;
    }
    let records: Vec<Record> = {
        let mut queue = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        if queue.is_empty() {
            return;
        }
        queue.drain(..).collect()
    };
    let Ok(logger) = logger(py) else { return };
    let logger = logger.bind(py);
    let dropped = DROPPED.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let _ = logger.call_method1(
            "log",
            (
                30,
                "%s",
                format!("{dropped} log events were dropped (queue full)"),
            ),
        );
    }
    for record in records {
        let _ = logger.call_method1(
            "log",
            (record.level, "%s: %s", record.target, record.message),
        );
    }
}

fn logger(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    PY_LOGGER.get_or_try_init(py, || {
        Ok(py
            .import("logging")?
            .call_method1("getLogger", (LOGGER,))?
            .unbind())
    })
}

/// The tracing layer queueing events for [`deliver`].
struct Forward;

impl<S: Subscriber> Layer<S> for Forward {
    fn register_callsite(
        &self,
        _metadata: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        // The threshold changes with Python's configuration: ask every time.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        python_level(metadata.level()) >= THRESHOLD.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut message = Message::default();
        event.record(&mut message);
        let record = Record {
            level: python_level(event.metadata().level()),
            target: event.metadata().target().to_owned(),
            message: message.0,
        };
        let mut queue = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        if queue.len() < QUEUE_LIMIT {
            queue.push_back(record);
        } else {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
        PENDING.store(true, Ordering::Release);
    }
}

/// An event's message and fields as one line: `message key=value ...`.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}
