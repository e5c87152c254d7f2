//! Service Fabric: `GET {IDENTITY_ENDPOINT}?api-version=2019-07-01-preview&resource=…`
//! with the `Secret` header (`IDENTITY_HEADER`), over https to an endpoint
//! whose self-signed certificate is trusted by its SHA-1 thumbprint
//! (`IDENTITY_SERVER_THUMBPRINT`) and nothing else.

use std::sync::Arc;
use std::time::Duration;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use url::Url;

use super::Call;
use super::reply;
use crate::cache::CachedToken;
use crate::retry::StatusSet;
use crate::{Error, Result};

pub(crate) struct ServiceFabric {
    pub(crate) endpoint: Url,
    pub(crate) header: SecretString,
    /// Its own HTTP client: it trusts the pinned certificate only.
    pub(crate) http: reqwest::Client,
}

impl ServiceFabric {
    pub(crate) fn new(
        endpoint: &str,
        header: SecretString,
        thumbprint: &str,
        timeout: Duration,
    ) -> Result<ServiceFabric> {
        let endpoint = Url::parse(endpoint.trim()).map_err(|e| {
            Error::config(
                format!("the Service Fabric endpoint {endpoint:?} is not a URL"),
                e,
            )
        })?;
        if endpoint.scheme() != "https" {
            return Err(Error::Config(format!(
                "the Service Fabric endpoint {endpoint} must use https"
            )));
        }
        let http = pinned_client(parse_thumbprint(thumbprint)?, timeout)?;
        Ok(ServiceFabric {
            endpoint,
            header,
            http,
        })
    }

    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        if call.identity.id().is_some() {
            // The cluster decides the identity (MSAL ignores the parameter too).
            tracing::debug!(identity = %call.identity, "Service Fabric's identity is set in the cluster; the selector is not sent");
        }
        let reply = call
            .send(StatusSet::TOKEN_SERVICE, || {
                self.http
                    .get(self.endpoint.clone())
                    .query(&[
                        ("api-version", "2019-07-01-preview"),
                        ("resource", call.resource),
                    ])
                    .header("Secret", self.header.expose_secret())
            })
            .await
            .map_err(wrong_thumbprint)?;
        reply::token(&reply, "Service Fabric")
    }
}

/// The pinned verifier trusts one certificate, so a refused one is a wrong
/// (or stale) `IDENTITY_SERVER_THUMBPRINT`, which no CA file can fix.
fn wrong_thumbprint(error: Error) -> Error {
    match error {
        Error::UntrustedCertificate { message } => Error::Config(format!(
            "the Service Fabric endpoint's certificate is not trusted: its SHA-1 thumbprint is not the one IDENTITY_SERVER_THUMBPRINT names; check the thumbprint ({message})"
        )),
        other => other,
    }
}

/// A SHA-1 thumbprint in hex, with or without colons and spaces.
fn parse_thumbprint(text: &str) -> Result<[u8; 20]> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '\t' | '\r' | '\n'))
        .collect();
    let bad = || {
        Error::Config("IDENTITY_SERVER_THUMBPRINT is not a SHA-1 thumbprint (40 hex digits)".into())
    };
    if hex.len() != 40 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 20];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn pinned_client(thumbprint: [u8; 20], timeout: Duration) -> Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("cannot set up TLS for Service Fabric", e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            thumbprint,
            provider,
        }))
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::config("cannot set up the Service Fabric HTTP client", e))
}

/// Trusts the one certificate whose SHA-1 is the thumbprint (its
/// signatures still checked), whatever its issuer, name or dates: Service
/// Fabric's endpoint certificate is self-signed.
#[derive(Debug)]
struct Pinned {
    thumbprint: [u8; 20],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if Sha1::digest(end_entity.as_ref()).as_slice() == self.thumbprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_in_any_usual_spelling() {
        let plain = "00112233445566778899aabbccddeeff00112233";
        let colons = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33";
        assert_eq!(
            parse_thumbprint(plain).unwrap(),
            parse_thumbprint(colons).unwrap()
        );
        assert_eq!(parse_thumbprint(plain).unwrap()[10], 0xaa);
        for bad in ["", "0011", &"zz".repeat(20), &"é".repeat(20)] {
            assert!(parse_thumbprint(bad).is_err(), "{bad}");
        }
    }
}
