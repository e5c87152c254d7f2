//! The constructors of [`TokenClient`]: the app's credential in the shapes
//! the Python side gives it (MSAL's `client_credential`, entrad's keyword
//! options), a managed identity, the chain.

use std::path::PathBuf;

use entrad_auth::{
    Authority, CacheSpec, Credential, ManagedIdentity, Pkcs11Key, Pkcs11KeyRef, SignatureAlgorithm,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use secrecy::SecretString;

use crate::errors::{auth_error, config_error};
use crate::source::{Recipe, Settings, TokenClient, seconds};
use crate::transport::http_options;
use entrad_auth::HttpOptions;

/// The transport options and the cache, as every constructor takes them.
fn common(
    py: Python<'_>,
    ca_files: Vec<PathBuf>,
    timeout: Option<f64>,
    connect_timeout: Option<f64>,
    cache: Option<&str>,
) -> PyResult<(HttpOptions, CacheSpec)> {
    let http = http_options(
        ca_files,
        timeout.map(|t| seconds(py, "timeout", t)).transpose()?,
        connect_timeout
            .map(|t| seconds(py, "connect timeout", t))
            .transpose()?,
    );
    let cache = match cache {
        None => CacheSpec::Memory,
        Some(text) => CacheSpec::parse(text).map_err(|e| auth_error(py, &e))?,
    };
    Ok((http, cache))
}

/// The app's credential from exactly one of its forms.
#[allow(clippy::too_many_arguments)]
fn credential(
    py: Python<'_>,
    secret: Option<String>,
    private_key: Option<Vec<u8>>,
    thumbprint: Option<String>,
    certificate: Option<Vec<u8>>,
    pfx: Option<Vec<u8>>,
    passphrase: Option<String>,
    client_assertion: Option<Bound<'_, PyAny>>,
    assertion_file: Option<PathBuf>,
    pkcs11: Option<Pkcs11Key>,
) -> PyResult<Credential> {
    let given = [
        assertion_file.is_some(),
        secret.is_some(),
        private_key.is_some(),
        pfx.is_some(),
        client_assertion.is_some(),
        pkcs11.is_some(),
    ]
    .iter()
    .filter(|given| **given)
    .count();
    if given != 1 {
        return Err(config_error(
            py,
            "give exactly one credential: a secret, a private key (with a thumbprint or a certificate), a PFX, a client assertion (or its file) or a PKCS#11 key",
        ));
    }
    let failed = |e: entrad_auth::Error| auth_error(py, &e);
    if let Some(secret) = secret {
        return Ok(Credential::secret(secret));
    }
    if let Some(key) = private_key {
        return match (certificate, thumbprint) {
            (Some(certificate), _) => {
                Credential::certificate_pem(&key, &certificate).map_err(failed)
            }
            (None, Some(thumbprint)) => {
                Credential::private_key_with_thumbprint(&key, &thumbprint).map_err(failed)
            }
            (None, None) => Err(config_error(
                py,
                "a private key needs its certificate's thumbprint or the certificate itself",
            )),
        };
    }
    if let Some(der) = pfx {
        return Credential::pkcs12(&der, passphrase.as_deref().unwrap_or("")).map_err(failed);
    }
    if let Some(path) = assertion_file {
        // Read once now, so that a wrong path fails here rather than at the first token.
        entrad_auth::read_bounded(&path, entrad_auth::ASSERTION_FILE_LIMIT).map_err(|e| {
            config_error(
                py,
                format!("cannot read the assertion file {}: {e}", path.display()),
            )
        })?;
        return Ok(Credential::assertion_file(path));
    }
    if let Some(key) = pkcs11 {
        return Credential::pkcs11(&key, SignatureAlgorithm::Ps256).map_err(failed);
    }
    match client_assertion {
        Some(assertion) if assertion.is_instance_of::<PyString>() => {
            let assertion: String = assertion.extract()?;
            Ok(Credential::assertion_callback(
                move || Ok(assertion.clone()),
            ))
        }
        Some(callback) if callback.is_callable() => {
            let callback = callback.unbind();
            Ok(Credential::assertion_callback(move || {
                Python::attach(|py| callback.call0(py)?.extract::<String>(py)).map_err(|e| {
                    entrad_auth::Error::Credential(format!(
                        "the client_assertion callable failed: {}",
                        Python::attach(|py| e.value(py).get_type().to_string())
                    ))
                })
            }))
        }
        _ => Err(PyTypeError::new_err(
            "client_assertion must be a str or a callable returning one",
        )),
    }
}

/// A client for the app's own credential (client credentials flow).
#[pyfunction]
#[pyo3(signature = (
    client_id, authority, *, secret=None, private_key=None, thumbprint=None, certificate=None,
    pfx=None, passphrase=None, client_assertion=None, assertion_file=None, pkcs11_module=None, pkcs11_key=None,
    pkcs11_pin=None, pkcs11_token=None, send_x5c=false, ca_files=Vec::new(), timeout=None,
    connect_timeout=None, client_capabilities=Vec::new(), instance_discovery=true, cache=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn confidential_client(
    py: Python<'_>,
    client_id: String,
    authority: &str,
    secret: Option<String>,
    private_key: Option<Vec<u8>>,
    thumbprint: Option<String>,
    certificate: Option<Vec<u8>>,
    pfx: Option<Vec<u8>>,
    passphrase: Option<String>,
    client_assertion: Option<Bound<'_, PyAny>>,
    assertion_file: Option<PathBuf>,
    pkcs11_module: Option<PathBuf>,
    pkcs11_key: Option<String>,
    pkcs11_pin: Option<String>,
    pkcs11_token: Option<String>,
    send_x5c: bool,
    ca_files: Vec<PathBuf>,
    timeout: Option<f64>,
    connect_timeout: Option<f64>,
    client_capabilities: Vec<String>,
    instance_discovery: bool,
    cache: Option<&str>,
) -> PyResult<TokenClient> {
    let pkcs11 = match (pkcs11_module, pkcs11_key, pkcs11_pin) {
        (None, None, None) => None,
        (Some(module), Some(key), Some(pin)) => {
            let mut key =
                Pkcs11Key::new(module, Pkcs11KeyRef::parse(&key), SecretString::from(pin));
            if let Some(token) = pkcs11_token {
                key = key.token(token);
            }
            Some(key)
        }
        _ => {
            return Err(config_error(
                py,
                "a PKCS#11 key needs pkcs11_module, pkcs11_key and pkcs11_pin",
            ));
        }
    };
    let credential = credential(
        py,
        secret,
        private_key,
        thumbprint,
        certificate,
        pfx,
        passphrase,
        client_assertion,
        assertion_file,
        pkcs11,
    )?
    .send_x5c(send_x5c);
    let authority = Authority::parse(authority).map_err(|e| auth_error(py, &e))?;
    let (http, cache) = common(py, ca_files, timeout, connect_timeout, cache)?;
    let recipe = Recipe::App {
        client_id,
        authority,
        credential,
        capabilities: client_capabilities,
        instance_discovery,
    };
    TokenClient::new(
        py,
        Settings {
            recipe,
            http,
            cache,
        },
    )
}

/// A client for a managed identity of the host: `system`, `client-id:ID`,
/// `resource-id:ID` or `object-id:ID`.
#[pyfunction]
#[pyo3(signature = (identity, *, ca_files=Vec::new(), timeout=None, cache=None))]
pub(crate) fn managed_identity_client(
    py: Python<'_>,
    identity: &str,
    ca_files: Vec<PathBuf>,
    timeout: Option<f64>,
    cache: Option<&str>,
) -> PyResult<TokenClient> {
    let identity: ManagedIdentity = identity.parse().map_err(|e| auth_error(py, &e))?;
    let (http, cache) = common(py, ca_files, timeout, None, cache)?;
    TokenClient::new(
        py,
        Settings {
            recipe: Recipe::ManagedIdentity(identity),
            http,
            cache,
        },
    )
}

/// azure-identity's chain for a daemon (environment, workload identity,
/// managed identity, Azure CLI), as `--credential chain`.
#[pyfunction]
#[pyo3(signature = (*, ca_files=Vec::new(), cache=None))]
pub(crate) fn chain_client(
    py: Python<'_>,
    ca_files: Vec<PathBuf>,
    cache: Option<&str>,
) -> PyResult<TokenClient> {
    let (http, cache) = common(py, ca_files, None, None, cache)?;
    TokenClient::new(
        py,
        Settings {
            recipe: Recipe::Chain,
            http,
            cache,
        },
    )
}

/// The scopes and the Graph endpoint a parameters file names, beside its client.
type FromParameters = (TokenClient, Option<Vec<String>>, Option<String>);

/// A client for the quickstart's `parameters.json`, checked as `entrad run`
/// checks it (entrad-auth's [`ParametersFile`](entrad_auth::parameters::ParametersFile)):
/// `secret`, or `thumbprint` + `private_key_file`, or `managed_identity`;
/// `cache` and `client_capabilities` when present. `cache` given here wins
/// over the file's; without either, tokens are kept in memory. Returns the
/// client, the file's `scope` and its `endpoint`.
#[pyfunction]
#[pyo3(signature = (path, *, ca_files=Vec::new(), cache=None))]
pub(crate) fn parameters_client(
    py: Python<'_>,
    path: PathBuf,
    ca_files: Vec<PathBuf>,
    cache: Option<&str>,
) -> PyResult<FromParameters> {
    use entrad_auth::parameters::{CLIENT_CREDENTIALS_KEY, ParametersFile};
    let file = ParametersFile::load(&path).map_err(|e| auth_error(py, &e))?;
    let name = path.display();
    let (http, given_cache) = common(py, ca_files, None, None, cache)?;
    let cache = match (cache, &file.cache) {
        (None, Some(spec)) => spec.clone(),
        _ => given_cache,
    };
    if file.client_credentials.is_some() {
        return Err(config_error(
            py,
            format!(
                "{name}: `{CLIENT_CREDENTIALS_KEY}` is read by the entrad command only: give `secret`, or `thumbprint` and `private_key_file`"
            ),
        ));
    }
    let has_credential = file.secret.is_some() || file.thumbprint.is_some();
    let recipe = if let Some(identity) = &file.managed_identity {
        if has_credential {
            return Err(config_error(
                py,
                format!(
                    "{name}: has both `managed_identity` and a credential (`secret` or `thumbprint`): keep one"
                ),
            ));
        }
        Recipe::ManagedIdentity(identity.parse().map_err(|e| auth_error(py, &e))?)
    } else {
        let missing = |key: &str| config_error(py, format!("{name}: `{key}` is missing"));
        let authority = file
            .authority
            .as_ref()
            .ok_or_else(|| missing("authority"))?;
        let client_id = file.client_id.clone().ok_or_else(|| missing("client_id"))?;
        let credential = match (&file.secret, &file.thumbprint, &file.private_key_file) {
            (Some(secret), _, _) => {
                use secrecy::ExposeSecret as _;
                Credential::secret(secret.expose_secret())
            }
            (None, Some(thumbprint), Some(key_file)) => {
                let key = entrad_auth::read_bounded(key_file, entrad_auth::CERTIFICATE_FILE_LIMIT)
                    .map_err(|e| {
                        config_error(
                            py,
                            format!(
                                "cannot read `private_key_file` of {name} ({}): {e}",
                                key_file.display()
                            ),
                        )
                    })?;
                Credential::private_key_with_thumbprint(&key, thumbprint).map_err(|e| {
                    config_error(
                        py,
                        format!("`private_key_file` of {name} ({}): {e}", key_file.display()),
                    )
                })?
            }
            (None, Some(_), None) => {
                return Err(config_error(
                    py,
                    format!("{name}: `thumbprint` is set but `private_key_file` is missing"),
                ));
            }
            (None, None, _) => {
                return Err(config_error(
                    py,
                    format!(
                        "{name}: no credential: give `secret`, or `thumbprint` and `private_key_file`, or `managed_identity`"
                    ),
                ));
            }
        };
        Recipe::App {
            client_id,
            authority: Authority::parse(authority.as_str()).map_err(|e| auth_error(py, &e))?,
            credential,
            capabilities: file.client_capabilities.clone().unwrap_or_default(),
            instance_discovery: true,
        }
    };
    let client = TokenClient::new(
        py,
        Settings {
            recipe,
            http,
            cache,
        },
    )?;
    Ok((
        client,
        file.scope.clone(),
        file.endpoint.as_ref().map(|url| url.to_string()),
    ))
}
