//! Service Fabric: `GET {IDENTITY_ENDPOINT}?api-version=2019-07-01-preview&resource=…`
//! with the `Secret` header (`IDENTITY_HEADER`), over https to an endpoint
//! whose self-signed certificate is trusted by its SHA-1 thumbprint
//! (`IDENTITY_SERVER_THUMBPRINT`) and nothing else.

use entrad_http::StatusSet;
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use url::Url;

use super::call::Call;
use super::reply;
use crate::cache::CachedToken;
use crate::{Error, HttpClient, HttpOptions, Result};

pub(crate) struct ServiceFabric {
    pub(crate) endpoint: Url,
    pub(crate) header: SecretString,
    /// Its own HTTP client: it trusts the pinned certificate only.
    pub(crate) http: HttpClient,
}

impl ServiceFabric {
    pub(crate) fn new(
        endpoint: &str,
        header: SecretString,
        thumbprint: &str,
        http: &HttpOptions,
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
        let thumbprint = parse_thumbprint(thumbprint)?;
        // It trusts the one certificate whose SHA-1 is the thumbprint,
        // whatever its issuer, name or dates: the endpoint's certificate is
        // self-signed.
        let http = HttpClient::pinned(http, move |der| Sha1::digest(der).as_slice() == thumbprint)
            .map_err(|e| Error::config("cannot set up the Service Fabric HTTP client", e))?;
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
                    .get(&self.endpoint)
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
