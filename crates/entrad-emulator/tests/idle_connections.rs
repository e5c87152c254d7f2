//! Connections that complete TLS and then send nothing, or send headers too slowly,
//! are closed; a kept-alive connection still serves several requests in a row.

use std::sync::Arc;
use std::time::Duration;

use entrad_testkit::InProcess;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Short timeouts for these tests; the defaults are tens of seconds.
const SHORT: Duration = Duration::from_millis(500);
/// How long a test waits for the server before calling it hung: far beyond `SHORT`.
const PATIENCE: Duration = Duration::from_secs(30);

async fn harness() -> InProcess {
    harness_with(SHORT, SHORT).await
}

async fn harness_with(header_read_timeout: Duration, idle_timeout: Duration) -> InProcess {
    let dir = entrad_testkit::state_dir().unwrap();
    let config = entrad_emulator::Config {
        header_read_timeout,
        idle_timeout,
        ..entrad_testkit::config(dir.path(), 1)
    };
    InProcess::start_with(config, dir).await.unwrap()
}

/// A TLS connection to the emulator offering HTTP/1.1 only.
async fn connect(h: &InProcess) -> TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(h.emulator.ca_file()).unwrap();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let addr = h.base.trim_start_matches("https://").to_string();
    let tcp = TcpStream::connect(&addr).await.unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap()
}

/// Reads until the server closes the connection (end of stream or a reset), and
/// returns what came before; fails the test if the server keeps it open.
async fn until_closed(tls: &mut TlsStream<TcpStream>) -> Vec<u8> {
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match tls.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    seen
}

/// Reads one HTTP/1.1 response with a `content-length` body; returns its status line.
async fn response(tls: &mut TlsStream<TcpStream>) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + length {
                return head.lines().next().unwrap().to_string();
            }
        }
        let n = tokio::time::timeout(PATIENCE, tls.read(&mut buf))
            .await
            .expect("no response")
            .unwrap();
        assert!(n > 0, "closed before the response ended");
        data.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn a_connection_that_sends_nothing_after_tls_is_closed() {
    let h = harness().await;
    let mut tls = connect(&h).await;
    assert!(until_closed(&mut tls).await.is_empty());
}

#[tokio::test]
async fn headers_that_never_end_are_cut_off() {
    let h = harness().await;
    let mut tls = connect(&h).await;
    tls.write_all(b"GET /common/discovery/instance HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    let seen = until_closed(&mut tls).await;
    assert!(!String::from_utf8_lossy(&seen).contains(" 200 "));
}

/// Starts a request, then sends one byte of a header every 50 ms, until the write fails.
async fn dribble_headers(
    mut writer: tokio::io::WriteHalf<TlsStream<TcpStream>>,
) -> std::io::Result<()> {
    writer
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ")
        .await?;
    loop {
        writer.write_all(b"a").await?;
        writer.flush().await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn headers_dribbled_a_byte_at_a_time_are_cut_off_by_the_header_timeout() {
    // The idle timeout never fires here: a byte moves every 50 ms.
    let h = harness_with(SHORT, PATIENCE * 2).await;
    let tls = connect(&h).await;
    let (mut reader, writer) = tokio::io::split(tls);
    let dribble = tokio::spawn(dribble_headers(writer));
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    dribble.abort();
    assert!(closed.is_ok(), "the server kept reading headers for ever");
}

#[tokio::test]
async fn keep_alive_serves_requests_in_a_row_then_closes_when_idle() {
    let h = harness().await;
    let mut tls = connect(&h).await;
    let request = format!(
        "GET /{}/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        h.emulator.tenant_id()
    );
    for _ in 0..2 {
        tls.write_all(request.as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        let status = response(&mut tls).await;
        assert!(status.starts_with("http/1.1 200"), "{status}");
    }
    until_closed(&mut tls).await;
}
