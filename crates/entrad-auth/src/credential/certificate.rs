//! Loading an RSA signing key and its certificate from PEM or PKCS#12.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::RsaKeyPair;
use rustls_pemfile::Item;
use sha2::{Digest as _, Sha256};

use super::signer::{KeyStorage, MemoryKey, SignatureAlgorithm, Signer};
use crate::{Error, Result};

const ENCRYPTED_KEY: &str = "the private key is encrypted; decrypt it (openssl pkey -in key.pem -out key-plain.pem) or use a PKCS#12 file with its password";

/// How the assertion names the certificate, which also decides the algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Thumbprint {
    /// base64url SHA-256 of the certificate: `x5t#S256` with PS256.
    Sha256(String),
    /// base64url SHA-1 of the certificate: `x5t` with RS256 (all that the
    /// quickstart's hex `thumbprint` allows).
    Sha1(String),
}

impl Thumbprint {
    /// The algorithm that goes with this way of naming the certificate.
    pub(crate) fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            Thumbprint::Sha256(_) => SignatureAlgorithm::Ps256,
            Thumbprint::Sha1(_) => SignatureAlgorithm::Rs256,
        }
    }
}

/// An RSA key with what the token service needs to find its certificate.
pub(crate) struct SigningCertificate {
    /// Whoever holds the key: this process, a PKCS#11 token, a callback.
    pub(crate) key: Arc<dyn Signer>,
    pub(crate) thumbprint: Thumbprint,
    /// DER certificates, leaf first; empty when only a thumbprint is known.
    pub(crate) chain: Vec<Vec<u8>>,
    /// The leaf's notAfter (Unix seconds), when the certificate is known.
    pub(crate) not_after: Option<i64>,
}

impl fmt::Debug for SigningCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Certificate");
        match &self.thumbprint {
            Thumbprint::Sha256(t) => s.field("alg", &"PS256").field("x5t#S256", t),
            Thumbprint::Sha1(t) => s.field("alg", &"RS256").field("x5t", t),
        };
        let key = match self.key.storage() {
            KeyStorage::Memory => "[REDACTED]".to_string(),
            other => other.to_string(),
        };
        s.field("chain_len", &self.chain.len())
            .field("key", &format_args!("{key}"))
            .finish()
    }
}

impl SigningCertificate {
    /// A PEM private key (PKCS#8 or PKCS#1) and a PEM certificate (or chain).
    pub(crate) fn from_pem(private_key_pem: &[u8], certificate_pem: &[u8]) -> Result<Self> {
        let key = key_from_pem(private_key_pem)?;
        let certs: Vec<Vec<u8>> = rustls_pemfile::certs(&mut &certificate_pem[..])
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::credential("the certificate PEM is malformed", e))?;
        with_chain(key, certs)
    }

    /// The quickstart's `private_key_file` + `thumbprint` (SHA-1 hex).
    pub(crate) fn from_thumbprint(private_key_pem: &[u8], sha1_hex: &str) -> Result<Self> {
        let key = key_from_pem(private_key_pem)?;
        let digest = parse_sha1_hex(sha1_hex)?;
        Ok(SigningCertificate {
            key: Arc::new(MemoryKey(key)),
            thumbprint: Thumbprint::Sha1(URL_SAFE_NO_PAD.encode(digest)),
            chain: Vec::new(),
            not_after: None,
        })
    }

    /// PKCS#12 / PFX bytes with their password.
    pub(crate) fn from_pkcs12(der: &[u8], password: &str) -> Result<Self> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            der,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) => Error::Credential(
                "cannot open the PKCS#12 file: the password is wrong (or the file is damaged)"
                    .into(),
            ),
            other => Error::Credential(format!(
                "cannot open the PKCS#12 file: wrong password, or not a PKCS#12/PFX file ({other})"
            )),
        })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| Error::Credential("the PKCS#12 file holds no private key".into()))?;
        let key = RsaKeyPair::from_pkcs8(chain.key().as_der()).map_err(rejected)?;
        let certs = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
        with_chain(key, certs)
    }

    /// A key held by `signer` (a token, a remote service) and its DER
    /// certificate: PS256 names it by SHA-256 (`x5t#S256`), RS256 by SHA-1 (`x5t`).
    pub(crate) fn from_signer(
        signer: Arc<dyn Signer>,
        certificate_der: Vec<u8>,
        algorithm: SignatureAlgorithm,
    ) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(&certificate_der)
            .map_err(|e| Error::credential("the certificate cannot be parsed", e))?;
        let not_after = cert.validity().not_after.timestamp();
        let thumbprint = match algorithm {
            SignatureAlgorithm::Ps256 => {
                Thumbprint::Sha256(URL_SAFE_NO_PAD.encode(Sha256::digest(&certificate_der)))
            }
            SignatureAlgorithm::Rs256 => {
                use sha1::Digest as _;
                Thumbprint::Sha1(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&certificate_der)))
            }
        };
        Ok(SigningCertificate {
            key: signer,
            thumbprint,
            chain: vec![certificate_der],
            not_after: Some(not_after),
        })
    }
}

/// Puts the certificate of `key` first; refuses certificates that are not its own.
fn with_chain(key: RsaKeyPair, certs: Vec<Vec<u8>>) -> Result<SigningCertificate> {
    if certs.is_empty() {
        return Err(Error::Credential(
            "no certificate found (expected a PEM \"CERTIFICATE\" block)".into(),
        ));
    }
    let public = key.public().as_ref().to_vec();
    let mut leaf = None;
    for (index, der) in certs.iter().enumerate() {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| Error::credential("a certificate cannot be parsed", e))?;
        if leaf.is_none() && cert.public_key().subject_public_key.data.as_ref() == public {
            leaf = Some((index, cert.validity().not_after.timestamp()));
        }
    }
    let (leaf_index, not_after) = leaf.ok_or_else(|| {
        Error::Credential(
            "the certificate does not match the private key: give the certificate of this key"
                .into(),
        )
    })?;
    let mut chain = certs;
    let leaf = chain.remove(leaf_index);
    let thumbprint = Thumbprint::Sha256(URL_SAFE_NO_PAD.encode(Sha256::digest(&leaf)));
    chain.insert(0, leaf);
    Ok(SigningCertificate {
        key: Arc::new(MemoryKey(key)),
        thumbprint,
        chain,
        not_after: Some(not_after),
    })
}

fn key_from_pem(pem: &[u8]) -> Result<RsaKeyPair> {
    let text = String::from_utf8_lossy(pem);
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(Error::Credential(ENCRYPTED_KEY.into()));
    }
    for item in rustls_pemfile::read_all(&mut &pem[..]) {
        // The io error says only where the PEM is malformed, never its contents.
        let item = item.map_err(|e| Error::credential("the private key PEM is malformed", e))?;
        match item {
            Item::Pkcs8Key(key) => {
                return RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()).map_err(rejected);
            }
            Item::Pkcs1Key(key) => {
                return RsaKeyPair::from_der(key.secret_pkcs1_der()).map_err(rejected);
            }
            Item::Sec1Key(_) => {
                return Err(Error::Credential(
                    "the private key is an EC key: Entra app certificates need an RSA key".into(),
                ));
            }
            _ => {}
        }
    }
    Err(Error::Credential(
        "no private key found (expected a PEM \"PRIVATE KEY\" or \"RSA PRIVATE KEY\" block)".into(),
    ))
}

fn rejected(e: ring::error::KeyRejected) -> Error {
    let reason = e.to_string();
    if reason == "WrongAlgorithm" || reason == "InvalidEncoding" {
        Error::Credential(format!(
            "the private key is not a usable RSA key ({reason}): Entra app certificates need an RSA key of 2048 bits or more"
        ))
    } else {
        Error::Credential(format!("the private key cannot be used ({reason})"))
    }
}

/// Hex with or without `:`/spaces, either case; exactly 20 bytes.
fn parse_sha1_hex(input: &str) -> Result<[u8; 20]> {
    let hex: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let invalid = || {
        Error::Credential(format!(
            "the thumbprint must be the certificate's SHA-1 as 40 hex digits, got {} characters",
            hex.chars().count()
        ))
    };
    if hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let mut out = [0u8; 20];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| invalid())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::Sha1;

    /// The SHA-1 of a DER certificate (what `thumbprint` holds, as hex).
    fn sha1_hex(der: &[u8]) -> String {
        Sha1::digest(der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    const KEY: &[u8] = include_bytes!("../../tests/fixtures/app-key.pem");
    const KEY_PKCS1: &[u8] = include_bytes!("../../tests/fixtures/app-key-pkcs1.pem");
    const KEY_ENCRYPTED: &[u8] = include_bytes!("../../tests/fixtures/app-key-encrypted.pem");
    const KEY_LEGACY_ENCRYPTED: &[u8] =
        include_bytes!("../../tests/fixtures/app-key-legacy-encrypted.pem");
    const CERT: &[u8] = include_bytes!("../../tests/fixtures/app-cert.pem");
    const OTHER_CERT: &[u8] = include_bytes!("../../tests/fixtures/other-cert.pem");
    const PFX: &[u8] = include_bytes!("../../tests/fixtures/app.pfx");
    const PFX_3DES: &[u8] = include_bytes!("../../tests/fixtures/app-3des.pfx");
    const THUMBPRINT: &str = "E77928A6454F3902D3C758F9AFFBF5E28F15A955";

    fn cert_der() -> Vec<u8> {
        rustls_pemfile::certs(&mut &CERT[..])
            .next()
            .unwrap()
            .unwrap()
            .to_vec()
    }

    #[test]
    fn pkcs8_and_pkcs1_keys_with_certificate() {
        for key in [KEY, KEY_PKCS1] {
            let c = SigningCertificate::from_pem(key, CERT).unwrap();
            assert_eq!(c.chain, vec![cert_der()]);
            assert_eq!(
                c.thumbprint,
                Thumbprint::Sha256(URL_SAFE_NO_PAD.encode(Sha256::digest(cert_der())))
            );
        }
        assert_eq!(sha1_hex(&cert_der()), THUMBPRINT);
    }

    #[test]
    fn leaf_is_found_in_a_chain_and_put_first() {
        let mut bundle = OTHER_CERT.to_vec();
        bundle.extend_from_slice(CERT);
        let c = SigningCertificate::from_pem(KEY, &bundle).unwrap();
        assert_eq!(c.chain.len(), 2);
        assert_eq!(c.chain[0], cert_der());
    }

    #[test]
    fn mismatched_certificate_is_refused() {
        let e = SigningCertificate::from_pem(KEY, OTHER_CERT).unwrap_err();
        assert!(e.to_string().contains("does not match the private key"));
    }

    #[test]
    fn encrypted_keys_give_a_clear_error() {
        for key in [KEY_ENCRYPTED, KEY_LEGACY_ENCRYPTED] {
            let e = SigningCertificate::from_pem(key, CERT).unwrap_err();
            assert!(
                e.to_string().contains("the private key is encrypted"),
                "{e}"
            );
            assert!(e.to_string().contains("openssl pkey"));
            let e = SigningCertificate::from_thumbprint(key, THUMBPRINT).unwrap_err();
            assert!(e.to_string().contains("encrypted"));
        }
    }

    #[test]
    fn not_a_key() {
        let e = SigningCertificate::from_pem(CERT, CERT).unwrap_err();
        assert!(e.to_string().contains("no private key found"));
        let e = SigningCertificate::from_pem(b"garbage", CERT).unwrap_err();
        assert!(e.to_string().contains("no private key"));
        let e = SigningCertificate::from_pem(KEY, b"").unwrap_err();
        assert!(e.to_string().contains("no certificate"));
        let broken = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(SigningCertificate::from_pem(broken, CERT).is_err());
    }

    #[test]
    fn ec_key_is_refused() {
        let ec = rcgen::KeyPair::generate().unwrap();
        let e = SigningCertificate::from_thumbprint(ec.serialize_pem().as_bytes(), THUMBPRINT)
            .unwrap_err();
        assert!(e.to_string().contains("RSA"), "{e}");
    }

    #[test]
    fn thumbprint_formats() {
        let expected = URL_SAFE_NO_PAD.encode(Sha1::digest(cert_der()));
        for t in [
            THUMBPRINT.to_string(),
            THUMBPRINT.to_lowercase(),
            "E7:79:28:A6:45:4F:39:02:D3:C7:58:F9:AF:FB:F5:E2:8F:15:A9:55".to_string(),
            " e7 79 28 a6 45 4f 39 02 d3 c7 58 f9 af fb f5 e2 8f 15 a9 55 ".to_string(),
        ] {
            let c = SigningCertificate::from_thumbprint(KEY, &t).unwrap();
            assert_eq!(c.thumbprint, Thumbprint::Sha1(expected.clone()));
            assert!(c.chain.is_empty());
        }
        for bad in [
            "",
            "E77928",
            &format!("{THUMBPRINT}00"),
            &THUMBPRINT.replace('E', "G"),
        ] {
            let e = SigningCertificate::from_thumbprint(KEY, bad).unwrap_err();
            assert!(e.to_string().contains("40 hex digits"), "{e}");
        }
    }

    #[test]
    fn pkcs12_with_password() {
        for pfx in [PFX, PFX_3DES] {
            let c = SigningCertificate::from_pkcs12(pfx, "fixture-pfx-password").unwrap();
            assert_eq!(c.chain[0], cert_der());
        }
        let e = SigningCertificate::from_pkcs12(PFX, "wrong").unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
        assert!(!e.to_string().contains("wrong\""));
        let e = SigningCertificate::from_pkcs12(b"not a pfx", "x").unwrap_err();
        assert!(e.to_string().contains("PKCS#12"));
    }

    #[test]
    fn debug_shows_no_key() {
        let c = SigningCertificate::from_pem(KEY, CERT).unwrap();
        let text = format!("{c:?}");
        assert!(text.contains("PS256") && text.contains("[REDACTED]"));
    }
}
