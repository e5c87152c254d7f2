//! RSA keys: the token-signing key (published in the JWKS) and the consented app's
//! client certificate. Generated with the `rsa` crate on first start and kept in the
//! state directory; certificates are made with rcgen.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256};
use ring::signature::{RsaKeyPair, RsaPublicKeyComponents};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rustls::pki_types::PrivatePkcs8KeyDer;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::error::{Error, Result};
use crate::files::{StateDir, read_optional, write_atomic};
use crate::state::RegisteredCertificate;

/// An RSA private key (PKCS#8 DER) and its self-signed certificate (DER).
struct RsaIdentity {
    pkcs8: Vec<u8>,
    certificate: Vec<u8>,
}

impl std::fmt::Debug for RsaIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaIdentity { pkcs8: [REDACTED], .. }")
    }
}

/// Loads `key_file` + `cert_file`, or generates both (2048-bit RSA, self-signed).
fn load_or_create(
    dir: &StateDir,
    key_file: &str,
    cert_file: &str,
    common_name: &str,
    years: i64,
) -> Result<RsaIdentity> {
    let (key_path, cert_path) = (dir.file(key_file), dir.file(cert_file));
    if let (Some(key_pem), Some(cert_pem)) = (read_optional(&key_path)?, read_optional(&cert_path)?)
    {
        let pkcs8 = match rustls_pemfile::private_key(&mut key_pem.as_slice()) {
            Ok(Some(rustls::pki_types::PrivateKeyDer::Pkcs8(der))) => {
                der.secret_pkcs8_der().to_vec()
            }
            _ => {
                return Err(Error::InvalidState {
                    path: key_path,
                    reason: "expected a PKCS#8 PEM private key".into(),
                });
            }
        };
        let certificate = match rustls_pemfile::certs(&mut cert_pem.as_slice()).next() {
            Some(Ok(der)) => der.to_vec(),
            _ => {
                return Err(Error::InvalidState {
                    path: cert_path,
                    reason: "expected a PEM certificate".into(),
                });
            }
        };
        return Ok(RsaIdentity { pkcs8, certificate });
    }
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map_err(|e| Error::crypto("cannot generate an RSA key", e))?;
    let pkcs8_doc = key
        .to_pkcs8_der()
        .map_err(|e| Error::crypto("cannot encode the RSA key", e))?;
    let pkcs8 = pkcs8_doc.as_bytes().to_vec();
    let key_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::crypto("cannot encode the RSA key", e))?;
    let signer = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(pkcs8.as_slice()),
        &PKCS_RSA_SHA256,
    )
    .map_err(|e| Error::crypto("cannot load the RSA key", e))?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365 * years);
    let certificate = params
        .self_signed(&signer)
        .map_err(|e| Error::crypto("cannot make a certificate", e))?;
    write_atomic(&key_path, key_pem.as_bytes(), true)?;
    write_atomic(&cert_path, certificate.pem().as_bytes(), false)?;
    Ok(RsaIdentity {
        pkcs8,
        certificate: certificate.der().to_vec(),
    })
}

/// The key that signs access tokens, and its JWKS entry.
pub(crate) struct SigningKey {
    key_pair: RsaKeyPair,
    kid: String,
    certificate: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    pub(crate) fn load_or_create(dir: &StateDir) -> Result<SigningKey> {
        let identity = load_or_create(
            dir,
            crate::files::names::SIGNING_KEY,
            crate::files::names::SIGNING_CERT,
            "entrad emulator token signing",
            5,
        )?;
        // ring implements std's Error only with its `std` feature, which
        // nothing else here needs: its text is the whole of what it says.
        let key_pair = RsaKeyPair::from_pkcs8(&identity.pkcs8)
            .map_err(|e| Error::crypto("cannot load the signing key", e.to_string()))?;
        // Entra's key id is the certificate's SHA-1 thumbprint, base64url.
        let kid = URL_SAFE_NO_PAD.encode(Sha1::digest(&identity.certificate));
        Ok(SigningKey {
            key_pair,
            kid,
            certificate: identity.certificate,
        })
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn key_pair(&self) -> &RsaKeyPair {
        &self.key_pair
    }

    /// The RSA public key as ring verifies with it.
    pub(crate) fn public_components(&self) -> RsaPublicKeyComponents<Vec<u8>> {
        RsaPublicKeyComponents::<Vec<u8>>::from(self.key_pair.public())
    }

    /// True when `jws` is an RS256 signature by this key (its `kid`).
    pub(crate) fn signed(&self, jws: &crate::token::jws::Jws<'_>) -> bool {
        let header = |name: &str| jws.header.get(name).and_then(serde_json::Value::as_str);
        header("alg") == Some("RS256")
            && header("kid") == Some(self.kid())
            && self
                .public_components()
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    jws.signing_input.as_bytes(),
                    &jws.signature,
                )
                .is_ok()
    }

    /// The JWKS entry, as Entra publishes it.
    pub(crate) fn jwk(&self, issuer: &str) -> serde_json::Value {
        let public = self.public_components();
        serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
            "x5c": [STANDARD.encode(&self.certificate)],
            "issuer": issuer,
        })
    }
}

/// The consented app's client certificate: the private key stays in `app-key.pem`
/// (and, with the certificate, in `app-cert.pfx`, rewritten at every start so that it
/// always matches) for clients; the emulator keeps what verifying assertions needs.
pub(crate) fn app_certificate(dir: &StateDir) -> Result<RegisteredCertificate> {
    let identity = load_or_create(
        dir,
        crate::files::names::APP_KEY,
        crate::files::names::APP_CERT,
        "entrad-daemon",
        2,
    )?;
    crate::pfx::write(dir, &identity.pkcs8, &identity.certificate)?;
    registered_certificate(&identity.certificate)
}

/// Parses a certificate into what assertion verification needs.
pub(crate) fn registered_certificate(der: &[u8]) -> Result<RegisteredCertificate> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| Error::crypto("cannot parse the app certificate", e))?;
    let Ok(PublicKey::RSA(rsa)) = cert.public_key().parsed() else {
        return Err(Error::CertificateNotRsa);
    };
    let strip = |b: &[u8]| {
        let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
        b[start..].to_vec()
    };
    let validity = cert.validity();
    Ok(RegisteredCertificate {
        sha1: Sha1::digest(der).into(),
        sha256: Sha256::digest(der).into(),
        modulus: strip(rsa.modulus),
        exponent: strip(rsa.exponent),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
    })
}

/// The SHA-1 thumbprint as the portal shows it (upper-case hex), for parameters files.
pub(crate) fn thumbprint_hex(certificate: &RegisteredCertificate) -> String {
    certificate
        .sha1
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}
