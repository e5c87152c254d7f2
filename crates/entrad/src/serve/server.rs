//! The accept loop: HTTP/1.1 connections on both listeners, at most
//! `--max-connections` at once, and a graceful end (in-flight requests finish).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::serve::broker::Broker;
use crate::serve::guard::MAX_HEADER_BYTES;
use crate::serve::listener::{Listeners, Peer};

/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after SIGTERM.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `stop` resolves, then lets open connections finish their request.
pub async fn serve(
    listeners: &Listeners,
    broker: Arc<Broker>,
    max_connections: usize,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(max_connections));
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        tokio::select! {
            accepted = listeners.tcp.accept() => match accepted {
                Ok((stream, address)) => {
                    let _ = stream.set_nodelay(true);
                    spawn(&graceful, stream, Peer::Tcp(address), broker.clone(), permit);
                }
                Err(e) => accept_failed(&e).await,
            },
            accepted = accept_unix(listeners) => match accepted {
                Ok(stream) => {
                    let peer = Peer::of_unix(&stream);
                    spawn(&graceful, stream, peer, broker.clone(), permit);
                }
                Err(e) => accept_failed(&e).await,
            },
            () = &mut stop => break,
        }
    }
    tracing::info!("stopping: no new connections; letting open ones finish");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}: closing them");
    }
}

async fn accept_unix(listeners: &Listeners) -> std::io::Result<tokio::net::UnixStream> {
    match &listeners.unix {
        Some((listener, _)) => listener.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

/// Out of file descriptors and the like: wait a little rather than spin.
async fn accept_failed(error: &std::io::Error) {
    tracing::warn!("accepting a connection failed: {error}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn spawn<I>(
    graceful: &GracefulShutdown,
    io: I,
    peer: Peer,
    broker: Arc<Broker>,
    permit: OwnedSemaphorePermit,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let broker = broker.clone();
        let peer = peer.clone();
        async move { Ok::<_, Infallible>(broker.handle(request, &peer).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES)
        .serve_connection(TokioIo::new(io), service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("connection ended: {e}");
        }
        drop(permit);
    });
}
