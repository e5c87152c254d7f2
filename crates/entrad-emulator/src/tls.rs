//! The local CA (kept in the state directory, trusted by clients) and the server
//! certificate it signs at every start for 127.0.0.1, ::1 and localhost.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};
use crate::files::{StateDir, names, read_optional, write_atomic};

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "entrad");
    name.push(DnType::CommonName, common_name);
    name
}

/// Loads the CA from the state directory or creates it (ECDSA P-256, ten years).
fn load_or_create_ca(dir: &StateDir) -> Result<(String, KeyPair)> {
    let (cert_path, key_path) = (dir.file(names::CA_CERT), dir.file(names::CA_KEY));
    if let (Some(cert), Some(key)) = (read_optional(&cert_path)?, read_optional(&key_path)?) {
        let key = String::from_utf8(key)
            .ok()
            .and_then(|pem| KeyPair::from_pem(&pem).ok())
            .ok_or_else(|| Error::InvalidState {
                path: key_path.clone(),
                reason: "expected a PKCS#8 PEM private key".into(),
            })?;
        let cert = String::from_utf8(cert).map_err(|_| Error::InvalidState {
            path: cert_path.clone(),
            reason: "expected a PEM certificate".into(),
        })?;
        return Ok((cert, key));
    }
    let key = KeyPair::generate().map_err(|e| Error::crypto("cannot generate the CA key", e))?;
    let mut params = CertificateParams::default();
    params.distinguished_name = name("entrad emulator local CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::crypto("cannot make the CA certificate", e))?;
    write_atomic(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_atomic(&cert_path, cert.pem().as_bytes(), false)?;
    Ok((cert.pem(), key))
}

/// The TLS configuration: a fresh server certificate signed by the (persistent) CA.
pub(crate) fn server_config(dir: &StateDir) -> Result<Arc<rustls::ServerConfig>> {
    let (ca_pem, ca_key) = load_or_create_ca(dir)?;
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, &ca_key)
        .map_err(|e| Error::crypto("cannot load the CA certificate", e))?;
    let key =
        KeyPair::generate().map_err(|e| Error::crypto("cannot generate the server key", e))?;
    let mut params = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])
    .map_err(|e| Error::crypto("cannot make the server certificate", e))?;
    params.distinguished_name = name("localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365);
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| Error::crypto("cannot sign the server certificate", e))?;
    single_certificate(cert.der(), &key, &[b"h2", b"http/1.1"])
}

/// A server configuration presenting `certificate` (DER) with `key`, offering `alpn`.
pub(crate) fn single_certificate(
    certificate: &[u8],
    key: &KeyPair,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::crypto("cannot configure TLS", e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(certificate.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| Error::crypto("cannot configure TLS", e))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
