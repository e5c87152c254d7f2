//! A signer whose RSA key stays in a PKCS#11 token (feature `pkcs11`): the
//! module is loaded at run time (e.g. `/usr/lib/softhsm/libsofthsm2.so`),
//! the session logs in with the user PIN, and every assertion is signed by
//! `C_Sign` (`CKM_SHA256_RSA_PKCS` or `CKM_SHA256_RSA_PKCS_PSS`).
//!
//! A process forked after the signer opened its session (gunicorn's pre-fork
//! workers, `multiprocessing`) holds a copy of the parent's module state,
//! which PKCS#11 does not let it use: the child initialises the module again
//! (`C_Initialize`, once per process), opens its own session and logs in
//! before its first signature. The parent's session is left to the parent.

use std::collections::HashMap;
use std::fmt;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use futures_util::future::{BoxFuture, FutureExt as _};
use secrecy::SecretString;

use super::{KeyStorage, SignatureAlgorithm, Signer};
use crate::{Error, Result};

/// Which key of the token signs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs11KeyRef {
    /// The key's `CKA_LABEL`; when no key has it and it is hex, it is tried
    /// as a `CKA_ID` too.
    Label(String),
    /// The key's `CKA_ID`.
    Id(Vec<u8>),
}

impl Pkcs11KeyRef {
    /// `id:` followed by hex digits is an id; anything else a label.
    pub fn parse(text: &str) -> Pkcs11KeyRef {
        match text.strip_prefix("id:").and_then(parse_hex) {
            Some(id) => Pkcs11KeyRef::Id(id),
            None => Pkcs11KeyRef::Label(text.to_string()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Pkcs11KeyRef::Label(label) => label.clone(),
            Pkcs11KeyRef::Id(id) => format!("id:{}", hex(id)),
        }
    }
}

/// Where to find a key in a PKCS#11 token, and the PIN to use it.
///
/// The certificate is read from the token too: the certificate object with
/// the key's `CKA_ID` (or, failing that, its label).
#[derive(Clone)]
pub struct Pkcs11Key {
    module: PathBuf,
    token: Option<String>,
    key: Pkcs11KeyRef,
    pin: SecretString,
}

impl Pkcs11Key {
    /// The key `key` in the only initialised token of `module` (a shared
    /// library), unlocked with the user `pin`.
    pub fn new(module: impl Into<PathBuf>, key: Pkcs11KeyRef, pin: SecretString) -> Pkcs11Key {
        Pkcs11Key {
            module: module.into(),
            token: None,
            key,
            pin,
        }
    }

    /// The token with this label (needed when the module has several).
    pub fn token(mut self, label: impl Into<String>) -> Pkcs11Key {
        self.token = Some(label.into());
        self
    }
}

impl fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("module", &self.module)
            .field("token", &self.token)
            .field("key", &self.key)
            .field("pin", &format_args!("[REDACTED]"))
            .finish()
    }
}

/// A signer using a key held in a PKCS#11 token; one logged-in session,
/// shared by the clones (signing runs on tokio's blocking threads).
#[derive(Clone)]
pub struct Pkcs11Signer {
    inner: Arc<Inner>,
}

struct Inner {
    token: String,
    key_name: String,
    /// What opening the session again needs (after the token logged out,
    /// closed the session or came back from a restart, in a forked child).
    module: PathBuf,
    pin: SecretString,
    key_ref: Pkcs11KeyRef,
    /// The logged-in session and the key's handle in it.
    session: Mutex<Opened>,
}

/// A logged-in session of one process, its slot and the key's handle in it.
struct Opened {
    /// The process that opened it: a forked child opens its own.
    pid: u32,
    slot: Slot,
    /// Closed when replaced in the process that opened it; a child never
    /// closes its parent's (after the child's `C_Initialize` the handle
    /// could name a session of the child's own).
    session: ManuallyDrop<Session>,
    key: ObjectHandle,
}

impl Opened {
    fn new(slot: Slot, session: Session, key: ObjectHandle) -> Opened {
        Opened {
            pid: std::process::id(),
            slot,
            session: ManuallyDrop::new(session),
            key,
        }
    }

    /// Replaces the session with `next`, closing the old one when this
    /// process opened it.
    fn replace(&mut self, next: Opened) {
        let old = std::mem::replace(self, next);
        if old.pid == self.pid {
            drop(ManuallyDrop::into_inner(old.session));
        }
    }
}

impl Pkcs11Signer {
    /// Opens a session on the token, logs in and finds the key and its
    /// certificate (returned as DER). Every failure says what to check.
    pub fn open(config: &Pkcs11Key) -> Result<(Pkcs11Signer, Vec<u8>)> {
        let context = context(&config.module)?;
        let (slot, token) = find_token(&context, &config.module, config.token.as_deref())?;
        let session = context.open_ro_session(slot).map_err(|e| {
            Error::credential(format!("cannot open a session on token {token:?}"), e)
        })?;
        match session.login(UserType::User, Some(&config.pin)) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(P11Error::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid, _)) => {
                return Err(Error::Credential(format!(
                    "the PIN of PKCS#11 token {token:?} is incorrect"
                )));
            }
            Err(e) => {
                return Err(Error::credential(
                    format!("cannot log in to PKCS#11 token {token:?}"),
                    e,
                ));
            }
        }
        let (key, id, label) = find_key(&session, &config.key, &token)?;
        let certificate = find_certificate(&session, &id, &label, &token, &config.key)?;
        check_pair(&session, key, &certificate)?;
        let key_name = match (&config.key, label.is_empty()) {
            (Pkcs11KeyRef::Label(_), false) => String::from_utf8_lossy(&label).into_owned(),
            _ => format!("id:{}", hex(&id)),
        };
        let signer = Pkcs11Signer {
            inner: Arc::new(Inner {
                token,
                key_name,
                module: config.module.clone(),
                pin: config.pin.clone(),
                key_ref: config.key.clone(),
                session: Mutex::new(Opened::new(slot, session, key)),
            }),
        };
        Ok((signer, certificate))
    }
}

impl Signer for Pkcs11Signer {
    fn sign<'a>(
        &'a self,
        algorithm: SignatureAlgorithm,
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>>> {
        let inner = Arc::clone(&self.inner);
        let message = message.to_vec();
        async move {
            tokio::task::spawn_blocking(move || inner.sign(algorithm, &message))
                .await
                .map_err(|e| Error::credential("the PKCS#11 signing task failed", e))?
        }
        .boxed()
    }

    fn storage(&self) -> KeyStorage {
        KeyStorage::Hardware {
            token: self.inner.token.clone(),
            key: self.inner.key_name.clone(),
        }
    }
}

impl Inner {
    fn sign(&self, algorithm: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        let mechanism = match algorithm {
            SignatureAlgorithm::Rs256 => Mechanism::Sha256RsaPkcs,
            SignatureAlgorithm::Ps256 => Mechanism::Sha256RsaPkcsPss(PkcsPssParams {
                hash_alg: MechanismType::SHA256,
                mgf: PkcsMgfType::MGF1_SHA256,
                s_len: 32.into(),
            }),
        };
        // C_Sign is one operation per session: the lock makes them take turns.
        let mut state = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if state.pid != std::process::id() {
            // A forked child: the module is initialised again in this
            // process and the token found again, as its slots may be numbered anew.
            tracing::debug!(token = %self.token, "a forked process: opening its own PKCS#11 session");
            let context = context(&self.module)?;
            let (slot, _) = find_token(&context, &self.module, Some(&self.token))?;
            let session = log_in(&context, slot, &self.pin, &self.token)?;
            let (key, _, _) = find_key(&session, &self.key_ref, &self.token)?;
            state.replace(Opened::new(slot, session, key));
        }
        let failed = |e| {
            Error::credential(
                format!(
                    "PKCS#11 token {:?} could not sign with key {:?}",
                    self.token, self.key_name
                ),
                e,
            )
        };
        match state.session.sign(&mechanism, state.key, message) {
            Ok(signature) => Ok(signature),
            Err(P11Error::Pkcs11(
                RvError::UserNotLoggedIn
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::KeyHandleInvalid
                | RvError::ObjectHandleInvalid
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent,
                _,
            )) => {
                // The session is gone (a logout, the token restarted): open
                // another, log in again, and sign once more.
                tracing::info!(token = %self.token, "the PKCS#11 session was lost; opening a new one");
                let context = context(&self.module)?;
                let slot = state.slot;
                let session = log_in(&context, slot, &self.pin, &self.token)?;
                let (key, _, _) = find_key(&session, &self.key_ref, &self.token)?;
                state.replace(Opened::new(slot, session, key));
                state
                    .session
                    .sign(&mechanism, state.key, message)
                    .map_err(failed)
            }
            Err(e) => Err(failed(e)),
        }
    }
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.inner.token)
            .field("key", &self.inner.key_name)
            .finish()
    }
}

/// One initialised context per module for the whole process: PKCS#11
/// allows one `C_Initialize` per application, and finalising it would end
/// every other signer's sessions. A forked child initialises the module it
/// inherited again, once (the process id kept with each context tells).
fn context(module: &Path) -> Result<Pkcs11> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, (Pkcs11, u32)>>> = OnceLock::new();
    let mut contexts = CONTEXTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    let context = match contexts.get(module) {
        Some((context, initialised_in)) if *initialised_in == pid => return Ok(context.clone()),
        Some((inherited, _)) => inherited.clone(),
        None => Pkcs11::new(module).map_err(|e| {
            Error::credential(
                format!("cannot load the PKCS#11 module {}", module.display()),
                e,
            )
        })?,
    };
    // A module that carries its state into a forked child (a software token)
    // answers "already initialised" there, and works on.
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(Error::credential(
                format!("cannot initialise the PKCS#11 module {}", module.display()),
                e,
            ));
        }
    }
    contexts.insert(module.to_path_buf(), (context.clone(), pid));
    Ok(context)
}

/// A read-only session on `slot`, logged in as the user.
fn log_in(context: &Pkcs11, slot: Slot, pin: &SecretString, token: &str) -> Result<Session> {
    let session = context
        .open_ro_session(slot)
        .map_err(|e| Error::credential(format!("cannot open a session on token {token:?}"), e))?;
    match session.login(UserType::User, Some(pin)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(P11Error::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid, _)) => Err(
            Error::Credential(format!("the PIN of PKCS#11 token {token:?} is incorrect")),
        ),
        Err(e) => Err(Error::credential(
            format!("cannot log in to PKCS#11 token {token:?}"),
            e,
        )),
    }
}

/// The slot of the token labelled `wanted`, or of the module's only token, and its label.
fn find_token(context: &Pkcs11, module: &Path, wanted: Option<&str>) -> Result<(Slot, String)> {
    let module = module.display();
    let slots = context
        .get_slots_with_initialized_token()
        .map_err(|e| Error::credential(format!("cannot list the tokens of {module}"), e))?;
    let mut found = Vec::new();
    for slot in slots {
        let info = context
            .get_token_info(slot)
            .map_err(|e| Error::credential(format!("cannot read a token of {module}"), e))?;
        found.push((slot, info.label().trim_end().to_string()));
    }
    let labels = || {
        found
            .iter()
            .map(|(_, l)| format!("{l:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(wanted) => found
            .iter()
            .find(|(_, label)| label == wanted)
            .cloned()
            .ok_or_else(|| {
                Error::Credential(format!(
                    "no PKCS#11 token labelled {wanted:?} in {module} (tokens: {})",
                    labels()
                ))
            }),
        None if found.len() == 1 => Ok(found.remove(0)),
        None if found.is_empty() => Err(Error::Credential(format!(
            "{module} has no initialised token"
        ))),
        None => Err(Error::Credential(format!(
            "{module} has several tokens ({}): name one",
            labels()
        ))),
    }
}

/// The private key, with its id and label.
fn find_key(
    session: &Session,
    key: &Pkcs11KeyRef,
    token: &str,
) -> Result<(ObjectHandle, Vec<u8>, Vec<u8>)> {
    let search = |attribute: Attribute| -> Result<Vec<ObjectHandle>> {
        session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), attribute])
            .map_err(|e| Error::credential(format!("cannot search PKCS#11 token {token:?}"), e))
    };
    let mut handles = match key {
        Pkcs11KeyRef::Label(label) => {
            let by_label = search(Attribute::Label(label.as_bytes().to_vec()))?;
            match parse_hex(label) {
                Some(id) if by_label.is_empty() => search(Attribute::Id(id))?,
                _ => by_label,
            }
        }
        Pkcs11KeyRef::Id(id) => search(Attribute::Id(id.clone()))?,
    };
    let handle = match handles.len() {
        1 => handles.remove(0),
        0 => {
            return Err(Error::Credential(format!(
                "PKCS#11 token {token:?} has no private key {:?} (or the PIN's user cannot see it)",
                key.describe()
            )));
        }
        n => {
            return Err(Error::Credential(format!(
                "PKCS#11 token {token:?} has {n} private keys {:?}: name one by id (id:HEX)",
                key.describe()
            )));
        }
    };
    let mut id = Vec::new();
    let mut label = Vec::new();
    for attribute in attributes(session, handle, &[AttributeType::Id, AttributeType::Label])? {
        match attribute {
            Attribute::Id(v) => id = v,
            Attribute::Label(v) => label = v,
            _ => {}
        }
    }
    Ok((handle, id, label))
}

/// The DER certificate stored next to the key (same id, else same label).
fn find_certificate(
    session: &Session,
    id: &[u8],
    label: &[u8],
    token: &str,
    key: &Pkcs11KeyRef,
) -> Result<Vec<u8>> {
    let mut candidates = Vec::new();
    if !id.is_empty() {
        candidates.push(Attribute::Id(id.to_vec()));
    }
    if !label.is_empty() {
        candidates.push(Attribute::Label(label.to_vec()));
    }
    for attribute in candidates {
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE), attribute])
            .map_err(|e| Error::credential(format!("cannot search PKCS#11 token {token:?}"), e))?;
        if let Some(handle) = handles.first() {
            for attribute in attributes(session, *handle, &[AttributeType::Value])? {
                if let Attribute::Value(der) = attribute {
                    return Ok(der);
                }
            }
        }
    }
    Err(Error::Credential(format!(
        "PKCS#11 token {token:?} holds no certificate for key {:?}: store it with the key's id (pkcs11-tool --write-object cert.der --type cert --id ...)",
        key.describe()
    )))
}

/// The certificate must be the key's: compare the moduli.
fn check_pair(session: &Session, key: ObjectHandle, certificate: &[u8]) -> Result<()> {
    let (_, cert) = x509_parser::parse_x509_certificate(certificate)
        .map_err(|e| Error::credential("the token's certificate cannot be parsed", e))?;
    let cert_modulus = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => strip_zeros(rsa.modulus).to_vec(),
        _ => {
            return Err(Error::Credential(
                "the token's certificate is not for an RSA key: Entra app certificates need one"
                    .into(),
            ));
        }
    };
    for attribute in attributes(session, key, &[AttributeType::Modulus])? {
        if let Attribute::Modulus(modulus) = attribute
            && strip_zeros(&modulus) != cert_modulus.as_slice()
        {
            return Err(Error::Credential(
                "the token's certificate does not match its private key".into(),
            ));
        }
    }
    Ok(())
}

fn attributes(
    session: &Session,
    handle: ObjectHandle,
    types: &[AttributeType],
) -> Result<Vec<Attribute>> {
    session
        .get_attributes(handle, types)
        .map_err(|e| Error::credential("cannot read a PKCS#11 object's attributes", e))
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty()
        || !text.len().is_multiple_of(2)
        || !text.chars().all(|c| c.is_ascii_hexdigit())
    {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_references() {
        assert_eq!(
            Pkcs11KeyRef::parse("id:0a1B"),
            Pkcs11KeyRef::Id(vec![0x0a, 0x1b])
        );
        assert_eq!(
            Pkcs11KeyRef::parse("entrad-app"),
            Pkcs11KeyRef::Label("entrad-app".into())
        );
        assert_eq!(
            Pkcs11KeyRef::parse("id:xyz"),
            Pkcs11KeyRef::Label("id:xyz".into())
        );
        let config = Pkcs11Key::new("/m.so", Pkcs11KeyRef::parse("k"), "1234-pin".into());
        assert!(!format!("{config:?}").contains("1234-pin"));
    }

    #[test]
    fn a_missing_module_is_a_clear_error() {
        let config = Pkcs11Key::new(
            "/nonexistent/module.so",
            Pkcs11KeyRef::parse("k"),
            "1".into(),
        );
        let e = Pkcs11Signer::open(&config).err().unwrap();
        assert_eq!(
            e.to_string(),
            "credential error: cannot load the PKCS#11 module /nonexistent/module.so"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
