//! The Azure SDK for Rust's HTTP transport, trusting the emulator's CA.

use std::path::Path;
use std::sync::Arc;

use azure_core::http::Transport;

use crate::error::read;
use crate::{Error, Result};

/// azure_core's own reqwest transport trusting only the PEM certificate(s) in
/// `ca_file` (rustls on ring), ignoring proxies: for `ClientOptions::transport`
/// of azure_core pipelines and azure_identity credentials pointed at the emulator.
pub fn azure_transport(ca_file: &Path) -> Result<Transport> {
    let pem = read(ca_file)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|source| Error::File {
            path: ca_file.to_path_buf(),
            source,
        })?;
        roots.add(cert)?;
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let client = reqwest013::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .redirect(reqwest013::redirect::Policy::none())
        .build()?;
    Ok(Transport::new(Arc::new(client)))
}
