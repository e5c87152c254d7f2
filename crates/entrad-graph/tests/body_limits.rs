//! A Graph response is read up to 64 MiB (entrad-http's `BodyLimit::GRAPH`):
//! one announced as larger is refused before a byte of it is read, with one
//! line naming the limit and the host, and is not requested again.

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use entrad_graph::{Error, ErrorKind, GraphClient};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use url::Url;
use wiremock::MockServer;

use crate::support::{auth, token_service};

/// A "Graph" on loopback announcing one byte over 64 MiB and sending a
/// little of it; counts the requests.
async fn oversized_graph() -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let requests = Arc::new(AtomicU32::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut head = [0u8; 8192];
                let _ = socket.read(&mut head).await;
                let announced = 64 * 1024 * 1024 + 1;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\r\n{{\"value\":["
                );
                let _ = socket.write_all(head.as_bytes()).await;
                // Hold the connection: the client must not wait for the rest.
                let _ = socket.read(&mut [0u8; 1]).await;
            });
        }
    });
    (address, requests)
}

#[tokio::test]
async fn a_page_announced_over_64_mib_is_refused_unread() {
    let tokens = MockServer::start().await;
    token_service(&tokens).await;
    let (graph_address, requests) = oversized_graph().await;
    let graph = GraphClient::builder(auth(&tokens))
        .base_url(Url::parse(&format!("http://{graph_address}")).unwrap())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal, "{err:?}");
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "unexpected Graph response: the body was not read in full"
    );
    assert_eq!(
        err.source().unwrap().to_string(),
        format!("a Graph response from {graph_address} passed the 64 MiB limit; reading stopped")
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1, "not retried");
}
