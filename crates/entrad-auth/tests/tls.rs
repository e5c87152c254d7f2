//! An https token service on loopback with a private CA, as the emulator runs:
//! default settings plus `ca_file` must work.

use std::sync::Arc;

use entrad_auth::{Authority, ConfidentialClient, Credential, ErrorKind, HttpOptions};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::support::{CLIENT_ID, GRAPH, SECRET, TENANT};

struct TlsServer {
    base: String,
    ca_pem: String,
}

/// Serves discovery, metadata and token routes over TLS until the test ends.
async fn tls_server() -> TlsServer {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();

    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(leaf.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let served_base = base.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let base = served_base.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let request = read_request(&mut tls).await;
                let body = route(&request, &base);
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    TlsServer {
        base,
        ca_pem: ca_cert.pem(),
    }
}

async fn read_request(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).to_string()
}

fn route(request: &str, base: &str) -> String {
    let line = request.lines().next().unwrap_or_default();
    if line.starts_with("GET /common/discovery/instance") {
        serde_json::json!({
            "tenant_discovery_endpoint": format!("{base}/{TENANT}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [],
        })
        .to_string()
    } else if line.starts_with(&format!(
        "GET /{TENANT}/v2.0/.well-known/openid-configuration"
    )) {
        serde_json::json!({ "token_endpoint": format!("{base}/{TENANT}/oauth2/v2.0/token") })
            .to_string()
    } else if line.starts_with(&format!("POST /{TENANT}/oauth2/v2.0/token")) {
        serde_json::json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "tls-token"
        })
        .to_string()
    } else {
        "{}".to_string()
    }
}

#[tokio::test]
async fn default_settings_plus_ca_file_work_against_a_private_https_endpoint() {
    let server = tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &server.ca_pem).unwrap();
    let authority = Authority::parse(&format!("{}/{TENANT}", server.base)).unwrap();
    let client = ConfidentialClient::builder(CLIENT_ID, authority, Credential::secret(SECRET))
        .http(HttpOptions::new().with_ca_file(&ca_file))
        .build()
        .unwrap();
    let token = client.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(token.secret(), "tls-token");
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_configuration_error_and_not_retried() {
    let server = tls_server().await;
    let authority = Authority::parse(&format!("{}/{TENANT}", server.base)).unwrap();
    // The default policy retries network failures for up to a minute: a refused
    // certificate must end the first attempt instead.
    let client = ConfidentialClient::builder(CLIENT_ID, authority, Credential::secret(SECRET))
        .build()
        .unwrap();
    let err = client.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        matches!(err, entrad_auth::Error::UntrustedCertificate { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("not trusted") && message.contains("ca_file"),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
}
