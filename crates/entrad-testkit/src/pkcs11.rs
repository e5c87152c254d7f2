//! The SoftHSM2 token that `scripts/test` initialises (scripts/services/softhsm.sh):
//! key pairs generated inside it, never imported, with a certificate the token
//! itself signed, stored next to the key.

use std::path::PathBuf;
use std::sync::OnceLock;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use rcgen::{CertificateParams, PublicKeyData, SigningKey};

use crate::{Error, Result};

/// The token's module, label and user PIN, from the environment scripts/test sets.
#[derive(Debug, Clone)]
pub struct SoftHsm {
    /// `ENTRAD_TEST_PKCS11_MODULE`: the PKCS#11 module (libsofthsm2.so).
    pub module: PathBuf,
    /// `ENTRAD_TEST_PKCS11_TOKEN`: the token's label.
    pub token: String,
    /// `ENTRAD_TEST_PKCS11_PIN`: the user PIN.
    pub pin: String,
}

/// The private key's protection attributes, as the token reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFlags {
    /// `CKA_EXTRACTABLE`: whether the key may leave the token (wrapped).
    pub extractable: bool,
    /// `CKA_SENSITIVE`: whether its value is hidden from readers.
    pub sensitive: bool,
    /// `CKA_NEVER_EXTRACTABLE`: it never was extractable.
    pub never_extractable: bool,
}

/// A key generated in the token: its label, id and certificate.
#[derive(Debug, Clone)]
pub struct TokenKey {
    /// `CKA_LABEL` of the key pair and the certificate.
    pub label: String,
    /// `CKA_ID`, hex.
    pub id_hex: String,
    /// The certificate, PEM (signed by the key, inside the token).
    pub certificate_pem: String,
}

impl SoftHsm {
    /// The token scripts/test initialised; an error naming scripts/test when
    /// its variables are missing (these tests fail rather than skip).
    pub fn from_env() -> Result<SoftHsm> {
        let get = |name: &str| {
            std::env::var(name).map_err(|_| {
                Error::MissingTool(format!(
                    "{name} is not set: run the tests with scripts/test, which initialises a SoftHSM2 token (scripts/services/softhsm.sh)"
                ))
            })
        };
        Ok(SoftHsm {
            module: PathBuf::from(get("ENTRAD_TEST_PKCS11_MODULE")?),
            token: get("ENTRAD_TEST_PKCS11_TOKEN")?,
            pin: get("ENTRAD_TEST_PKCS11_PIN")?,
        })
    }

    /// Generates a 2048-bit RSA key pair inside the token (sensitive, not
    /// extractable), has the token sign a self-signed certificate for it
    /// (valid for `days`, from yesterday) and stores the certificate in the
    /// token under the same label and id.
    pub fn generate_key(&self, label: &str, days: i64) -> Result<TokenKey> {
        let session = self.session()?;
        let id = uuid::Uuid::new_v4().as_bytes()[..8].to_vec();
        let common = |extra: Vec<Attribute>| {
            let mut attributes = vec![
                Attribute::Token(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ];
            attributes.extend(extra);
            attributes
        };
        let public = common(vec![
            Attribute::Verify(true),
            Attribute::ModulusBits(2048.into()),
            Attribute::PublicExponent(vec![1, 0, 1]),
        ]);
        let private = common(vec![
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ]);
        let (public_key, private_key) = session
            .generate_key_pair(&Mechanism::RsaPkcsKeyPairGen, &public, &private)
            .map_err(p11("generate an RSA key pair"))?;
        let mut modulus = Vec::new();
        let mut exponent = Vec::new();
        for attribute in session
            .get_attributes(
                public_key,
                &[AttributeType::Modulus, AttributeType::PublicExponent],
            )
            .map_err(p11("read the public key"))?
        {
            match attribute {
                Attribute::Modulus(m) => modulus = m,
                Attribute::PublicExponent(e) => exponent = e,
                _ => {}
            }
        }
        let signer = TokenSigner {
            session: &session,
            key: private_key,
            public_der: rsa_public_key_der(&modulus, &exponent),
        };
        let mut params = CertificateParams::new(vec![format!("{label}.entrad.test")])?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, label);
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(days);
        let certificate = params.self_signed(&signer)?;
        let der = certificate.der().to_vec();
        let subject = x509_parser::parse_x509_certificate(&der)
            .map(|(_, c)| c.tbs_certificate.subject.as_raw().to_vec())
            .unwrap_or_default();
        session
            .create_object(&common(vec![
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Subject(subject),
                Attribute::Value(der),
            ]))
            .map_err(p11("store the certificate"))?;
        Ok(TokenKey {
            label: label.to_string(),
            id_hex: id.iter().map(|b| format!("{b:02x}")).collect(),
            certificate_pem: certificate.pem(),
        })
    }

    /// The protection attributes of the private key labelled `label`.
    pub fn key_flags(&self, label: &str) -> Result<KeyFlags> {
        let session = self.session()?;
        let handle = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(p11("find the private key"))?
            .into_iter()
            .next()
            .ok_or_else(|| Error::MissingTool(format!("no private key labelled {label}")))?;
        let mut flags = KeyFlags {
            extractable: true,
            sensitive: false,
            never_extractable: false,
        };
        for attribute in session
            .get_attributes(
                handle,
                &[
                    AttributeType::Extractable,
                    AttributeType::Sensitive,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(p11("read the private key's attributes"))?
        {
            match attribute {
                Attribute::Extractable(v) => flags.extractable = v,
                Attribute::Sensitive(v) => flags.sensitive = v,
                Attribute::NeverExtractable(v) => flags.never_extractable = v,
                _ => {}
            }
        }
        Ok(flags)
    }

    /// Logs this application out of the token: every session of the process
    /// loses its login (what a token restart or an operator's logout does).
    pub fn log_out(&self) -> Result<()> {
        self.session()?.logout().map_err(p11("log out"))
    }

    /// A read-write session, logged in as the user.
    fn session(&self) -> Result<Session> {
        let context = context(&self.module)?;
        let slot = context
            .get_slots_with_initialized_token()
            .map_err(p11("list the slots"))?
            .into_iter()
            .find(|slot| {
                context
                    .get_token_info(*slot)
                    .is_ok_and(|info| info.label().trim_end() == self.token)
            })
            .ok_or_else(|| Error::MissingTool(format!("no PKCS#11 token {}", self.token)))?;
        let session = context
            .open_rw_session(slot)
            .map_err(p11("open a session"))?;
        match session.login(UserType::User, Some(&self.pin.as_str().into())) {
            Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(p11("log in")(e)),
        }
        Ok(session)
    }
}

/// One context per process (the signer under test may initialise the module too).
fn context(module: &std::path::Path) -> Result<Pkcs11> {
    static CONTEXT: OnceLock<Pkcs11> = OnceLock::new();
    if let Some(context) = CONTEXT.get() {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(module).map_err(p11("load the module"))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(p11("initialise the module")(e)),
    }
    Ok(CONTEXT.get_or_init(|| context).clone())
}

fn p11(what: &'static str) -> impl Fn(cryptoki::error::Error) -> Error {
    move |source| Error::Pkcs11 {
        what: what.to_string(),
        source,
    }
}

/// rcgen's view of the token's key: the certificate is signed by `C_Sign`.
struct TokenSigner<'a> {
    session: &'a Session,
    key: ObjectHandle,
    public_der: Vec<u8>,
}

impl PublicKeyData for TokenSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public_der
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl SigningKey for TokenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        self.session
            .sign(&Mechanism::Sha256RsaPkcs, self.key, msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, DER.
fn rsa_public_key_der(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut body = der_integer(modulus);
    body.extend(der_integer(exponent));
    der_tlv(0x30, &body)
}

fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let mut value = bytes[start..].to_vec();
    if value.first().is_none_or(|b| b & 0x80 != 0) {
        value.insert(0, 0);
    }
    der_tlv(0x02, &value)
}

fn der_tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(value);
    out
}
