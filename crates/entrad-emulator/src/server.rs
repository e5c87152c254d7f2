//! The HTTPS accept loop: TLS by tokio-rustls, HTTP/1.1 and HTTP/2 by hyper-util,
//! requests by the axum router. Serving each connection ourselves lets the `drop`
//! fault close a connection without an answer, and shutdown be graceful.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::faults::ConnectionKill;
use crate::idle::{Activity, Tracked};

/// How long a TLS handshake may take before the connection is given up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long clients may take, from the emulator's configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// For an HTTP/1.1 request's headers, including the wait on a kept-alive connection.
    pub(crate) header_read: Duration,
    /// For a connection with no bytes moving and no request being answered.
    pub(crate) idle: Duration,
}

/// A running accept loop.
#[derive(Debug)]
pub(crate) struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    pub(crate) fn spawn(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        app: Router,
        timeouts: Timeouts,
    ) -> Server {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(
            listener,
            TlsAcceptor::from(tls),
            app,
            timeouts,
            stopped,
        ));
        Server {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops accepting, lets requests in flight finish (up to a bound), then returns.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    timeouts: Timeouts,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        // TLS writes each response in several records; with Nagle's algorithm a
        // record waits for the client's delayed ACK (about 40 ms on Linux).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(%peer, "cannot set TCP_NODELAY: {e}");
        }
        let (acceptor, app, builder) = (acceptor.clone(), app.clone(), builder.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, "TLS handshake failed: {e}");
                    return;
                }
                Err(_) => return,
            };
            let kill = ConnectionKill::default();
            let request_kill = kill.clone();
            let activity = Activity::new();
            let requests = activity.clone();
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(request_kill.clone());
                    let in_flight = requests.request();
                    let answer = app.clone().oneshot(request.map(axum::body::Body::new));
                    async move {
                        let response = answer.await;
                        drop(in_flight);
                        response
                    }
                });
            let io = Tracked::new(tls, activity.clone());
            let connection = builder
                .serve_connection(TokioIo::new(io), service)
                .into_owned();
            let connection = watcher.watch(connection);
            tokio::select! {
                result = connection => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, "connection ended: {e}");
                    }
                }
                () = kill.fired() => tracing::debug!(%peer, "connection dropped"),
                () = activity.idle_for(timeouts.idle) => tracing::debug!(%peer, "idle connection closed"),
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("requests still in flight at shutdown"),
    }
}
