//! Replies from the network are read within a bound per kind: a managed
//! identity endpoint sending a body without end gets one line naming the
//! limit and the host, and exit code 1 (a service answering nonsense),
//! instead of memory growing until the machine says no.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use crate::support::{entrad, stderr_of};

/// An IMDS on loopback that answers every request with a chunked body
/// without end, until the client hangs up.
fn endless_imds() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            std::thread::spawn(move || {
                let mut head = [0u8; 4096];
                let _ = socket.read(&mut head);
                let chunk = format!("4000\r\n{}\r\n", "y".repeat(0x4000));
                let mut sent = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
                while sent.is_ok() {
                    sent = socket.write_all(chunk.as_bytes());
                }
            });
        }
    });
    address
}

#[test]
fn an_endless_managed_identity_reply_is_exit_1_naming_the_limit() {
    let imds = endless_imds();
    let output = entrad()
        .env(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            format!("http://{imds}"),
        )
        .args(["token", "--managed-identity", "system"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr.trim_end(),
        format!(
            "entrad: unexpected response to the IMDS request: a managed identity reply from {imds} passed the 64 KiB limit; reading stopped"
        )
    );
}
