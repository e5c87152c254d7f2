//! The accept loops: HTTP/1.1 connections on both listeners, each within its
//! listener's [`Slots`], and a graceful end (in-flight requests finish).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::serve::broker::Broker;
use crate::serve::guard::MAX_HEADER_BYTES;
use crate::serve::listener::{Listeners, Peer};
use crate::serve::slots::{Close, Slot, Slots};

/// How long a client may take to send a request head, from its connection or
/// its last answer. Loopback clients send one at once; the time only bounds
/// how long a connection that sends none keeps its slot when no one else
/// needs it (one that does takes it after [`crate::serve::slots::EVICTION_GRACE`]).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an evicted connection that answered before gets to finish writing its answer.
const EVICTED_DRAIN: Duration = Duration::from_secs(1);
/// How long in-flight requests get to finish after SIGTERM.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `stop` resolves, then lets open connections finish their request.
pub async fn serve(
    listeners: &Listeners,
    broker: Arc<Broker>,
    tcp_slots: Arc<Slots>,
    unix_slots: Arc<Slots>,
    stop: impl Future<Output = ()>,
) {
    let (stopping, stopped) = watch::channel(false);
    let tcp = async {
        loop {
            match listeners.tcp.accept().await {
                Ok((stream, address)) => {
                    let _ = stream.set_nodelay(true);
                    let slot = tcp_slots.admit().await;
                    spawn(stream, Peer::Tcp(address), &broker, slot, stopped.clone());
                }
                Err(e) => accept_failed(&e).await,
            }
        }
    };
    let unix = async {
        let Some((listener, _)) = &listeners.unix else {
            return std::future::pending().await;
        };
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let peer = Peer::of_unix(&stream);
                    let slot = unix_slots.admit().await;
                    spawn(stream, peer, &broker, slot, stopped.clone());
                }
                Err(e) => accept_failed(&e).await,
            }
        }
    };
    tokio::select! {
        () = tcp => {}
        () = unix => {}
        () = stop => {}
    }
    tracing::info!("stopping: no new connections; letting open ones finish");
    drop(stopped);
    let _ = stopping.send(true);
    if tokio::time::timeout(DRAIN_TIMEOUT, stopping.closed())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}: closing them");
    }
}

/// Out of file descriptors and the like: wait a little rather than spin.
async fn accept_failed(error: &std::io::Error) {
    tracing::warn!("accepting a connection failed: {error}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Serves one connection in its slot until it ends, is evicted, or the broker stops.
fn spawn<I>(io: I, peer: Peer, broker: &Arc<Broker>, slot: Slot, mut stop: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = slot.connection.clone();
    let slots = slot.slots();
    let broker = broker.clone();
    let service = service_fn(move |request| {
        let (broker, peer, state, slots) =
            (broker.clone(), peer.clone(), state.clone(), slots.clone());
        async move {
            state.serving();
            let response = broker.handle(request, &peer).await;
            state.answered(&slots);
            Ok::<_, Infallible>(response)
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES)
        .serve_connection(TokioIo::new(io), service);
    tokio::spawn(async move {
        tokio::pin!(connection);
        let (mut stopping, mut evicted) = (false, false);
        let drain = tokio::time::sleep(Duration::MAX);
        tokio::pin!(drain);
        let mut draining = false;
        loop {
            tokio::select! {
                ended = connection.as_mut() => {
                    if let Err(e) = ended {
                        tracing::debug!("connection ended: {e}");
                    }
                    break;
                }
                changed = stop.changed(), if !stopping => {
                    stopping = true;
                    if changed.is_ok() {
                        connection.as_mut().graceful_shutdown();
                    }
                }
                () = slot.connection.evicted(), if !evicted => {
                    evicted = true;
                    match slot.connection.close() {
                        // Nothing written and no request in hand: nothing to lose.
                        Close::Now => break,
                        // Closes at once if idle, else after the answer in progress.
                        Close::AfterTheAnswer => {
                            connection.as_mut().graceful_shutdown();
                            drain.as_mut().reset(tokio::time::Instant::now() + EVICTED_DRAIN);
                            draining = true;
                        }
                    }
                }
                // A client that does not read its answer does not keep the connection.
                () = drain.as_mut(), if draining => {
                    if slot.connection.is_waiting() {
                        break;
                    }
                    drain.as_mut().reset(tokio::time::Instant::now() + EVICTED_DRAIN);
                }
            }
        }
        // Held until here: SIGTERM's drain waits for every connection's end.
        drop(stop);
        drop(slot);
    });
}
