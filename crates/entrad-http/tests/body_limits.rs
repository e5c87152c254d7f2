//! Response bodies are read within their limit, and no further.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use entrad_http::{BodyLimit, Error, HttpOptions};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SMALL: BodyLimit = BodyLimit::new(64 * 1024, "a test reply");

async fn serving(body: Vec<u8>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
        .mount(&server)
        .await;
    server
}

async fn get_body(url: &str, limit: BodyLimit) -> Result<Vec<u8>, Error> {
    let client = HttpOptions::new().client().unwrap();
    let url = url::Url::parse(url).unwrap();
    client.get(&url).send().await.unwrap().body(limit).await
}

#[tokio::test]
async fn a_body_at_the_limit_is_read_and_one_byte_more_is_refused() {
    let limit = SMALL.bytes() as usize;
    let server = serving(vec![b'x'; limit]).await;
    assert_eq!(get_body(&server.uri(), SMALL).await.unwrap().len(), limit);

    let server = serving(vec![b'x'; limit + 1]).await;
    let e = get_body(&server.uri(), SMALL).await.unwrap_err();
    let host = server.address().to_string();
    assert!(
        matches!(&e, Error::BodyTooLarge { host: h, limit } if *h == host && *limit == SMALL),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("a test reply from {host} passed the 64 KiB limit; reading stopped")
    );
    assert!(e.transport().is_none() && !e.is_config());
}

/// A server that answers every connection with an endless chunked body,
/// counting the bytes it wrote; `stopped` is sent the count once a write fails
/// (the client hung up).
async fn endless_server() -> (String, tokio::sync::oneshot::Receiver<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stopped, on_stop) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 4096];
        let _ = socket.read(&mut head).await.unwrap();
        let written = Arc::new(AtomicU64::new(0));
        let mut send = async |bytes: &[u8]| -> std::io::Result<()> {
            socket.write_all(bytes).await?;
            written.fetch_add(bytes.len() as u64, Ordering::SeqCst);
            Ok(())
        };
        let chunk = format!("4000\r\n{}\r\n", "y".repeat(0x4000));
        let mut result = send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").await;
        while result.is_ok() {
            result = send(chunk.as_bytes()).await;
        }
        let _ = stopped.send(written.load(Ordering::SeqCst));
    });
    (address, on_stop)
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_limit() {
    let (address, on_stop) = endless_server().await;
    let e = get_body(&format!("http://{address}/"), SMALL)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::BodyTooLarge { host, .. } if *host == address),
        "{e:?}"
    );
    // The client hung up: the server's writes fail, so the body was not read
    // to any end (there is none). What the server got out is the limit plus
    // what the sockets' buffers held, far below what it would have sent.
    let written = on_stop.await.unwrap();
    assert!(written > SMALL.bytes(), "{written}");
    assert!(written < 64 * 1024 * 1024, "{written}");
}
