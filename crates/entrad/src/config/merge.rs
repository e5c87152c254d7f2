//! parameters.json < environment < flags, field by field.

use super::source::TokenSourceSpec;
use std::path::PathBuf;
use std::time::Duration;

use entrad_auth::CacheSpec;
use url::Url;

use super::credential_spec::{CredentialSpec, FileRef, Pkcs11Spec};
use super::env::EnvConfig;
use super::file::ParametersFile;
use super::pin_file::read_pin_file;
use super::plain_http;
use crate::cli::IdentityArgs;
use crate::error::Error;

/// The public cloud's authority host, used when only a tenant is given.
const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";
/// Graph's base URL when neither `--graph-url` nor `endpoint` says otherwise.
const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
/// The quickstart's scope.
const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Everything the commands need, merged from the three sources.
#[derive(Debug)]
pub struct Settings {
    /// The parameters.json in use, for messages.
    file: Option<PathBuf>,
    /// The authority URL, not yet checked by entrad-auth, and where it came from.
    authority: Option<(String, String)>,
    client_id: Option<String>,
    credential: Option<CredentialSpec>,
    /// Scopes to request.
    pub scopes: Vec<String>,
    endpoint: Option<Url>,
    /// Base URL for relative Graph paths.
    pub graph_url: Url,
    /// Extra trusted root CAs.
    pub ca_file: Option<PathBuf>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
    /// Attempts per request (`--max-attempts`), when not the default.
    pub max_attempts: Option<u32>,
    /// Ask the authority's host for instance discovery when it is not a known Microsoft host.
    pub instance_discovery: bool,
    /// Client capabilities (`cp1`): the flag's, else the file's `client_capabilities`.
    pub client_capabilities: Vec<String>,
    /// Accept `http://` for loopback hosts (`--allow-insecure-loopback`).
    pub allow_insecure_loopback: bool,
    /// The token cache: the file's `cache`, else the file cache at its
    /// default path (`--cache`/`ENTRAD_CACHE` are applied by `config::load`).
    pub cache: CacheSpec,
    /// Where tokens come from: the app's credential, a managed identity, or the chain.
    pub token_source: TokenSourceSpec,
}

impl Settings {
    /// Merges the sources; flags win over the environment, which wins over the file.
    pub fn merge(
        file: Option<ParametersFile>,
        env: EnvConfig,
        flags: &IdentityArgs,
        ca_file: Option<PathBuf>,
    ) -> Result<Settings, Error> {
        let file_credential = match &file {
            Some(f) => file_credential(f, &env)?,
            None => None,
        };
        let credential = match flag_credential(flags, &env)? {
            Some(c) => Some(c),
            None => env_credential(&env).or(file_credential),
        };
        let file_authority = file.as_ref().and_then(|f| f.authority.clone());
        let authority = authority(
            file.as_ref()
                .map(|f| (f.path.as_path(), file_authority.as_ref())),
            env.authority_host.as_deref(),
            flags.tenant_id.as_deref().or(env.tenant_id.as_deref()),
            flags.authority.as_deref(),
        );
        let flag_scopes: Vec<String> = flags
            .scope
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::to_owned)
            .collect();
        let file_scopes = file.as_ref().and_then(|f| f.scope.clone());
        let scopes = if !flag_scopes.is_empty() {
            flag_scopes
        } else {
            file_scopes.unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()])
        };
        let endpoint = file.as_ref().and_then(|f| f.endpoint.clone());
        let cache = file
            .as_ref()
            .and_then(|f| f.cache.clone())
            .unwrap_or(CacheSpec::File(None));
        let allow_insecure_loopback = flags.allow_insecure_loopback;
        if let (Some(endpoint), Some(file)) = (&endpoint, &file) {
            let source = format!("`endpoint` of {}", file.path.display());
            plain_http::check(endpoint, &source, allow_insecure_loopback)?;
        }
        let graph_url = graph_url(
            flags.graph_url.as_deref(),
            endpoint.as_ref(),
            allow_insecure_loopback,
        )?;
        let token_source = TokenSourceSpec::decide(flags, file.as_ref(), credential.is_some())?;
        Ok(Settings {
            token_source,
            authority,
            client_id: flags
                .client_id
                .clone()
                .or(env.client_id)
                .or_else(|| file.as_ref().and_then(|f| f.client_id.clone())),
            credential,
            scopes,
            endpoint,
            graph_url,
            ca_file,
            timeout: flags.timeout.map(Duration::from_secs),
            max_attempts: flags.max_attempts,
            instance_discovery: !flags.no_instance_discovery,
            client_capabilities: if flags.client_capabilities.is_empty() {
                file.as_ref()
                    .and_then(|f| f.client_capabilities.clone())
                    .unwrap_or_default()
            } else {
                flags.client_capabilities.clone()
            },
            allow_insecure_loopback,
            cache,
            file: file.map(|f| f.path),
        })
    }

    /// The authority URL and where it came from (for messages), or how to give one.
    pub fn authority(&self) -> Result<(&str, &str), Error> {
        self.authority
            .as_ref()
            .map(|(url, origin)| (url.as_str(), origin.as_str()))
            .ok_or_else(|| {
                self.missing("authority", "AZURE_TENANT_ID", "--authority or --tenant-id")
            })
    }

    /// The same app in another tenant: the authority's tenant (its path) becomes `tenant`.
    pub fn set_tenant(&mut self, tenant: &str) -> Result<(), Error> {
        let (url, origin) = self.authority()?;
        let mut url = Url::parse(url.trim())
            .map_err(|e| Error::Config(format!("{origin}: invalid authority URL: {e}")))?;
        url.set_path(&format!("/{}", tenant.trim()));
        self.authority = Some((url.to_string(), format!("tenant `{tenant}` of --tenants")));
        Ok(())
    }

    /// The application (client) ID, or how to give one.
    pub fn client_id(&self) -> Result<&str, Error> {
        self.client_id
            .as_deref()
            .ok_or_else(|| self.missing("client_id", "AZURE_CLIENT_ID", "--client-id"))
    }

    /// The credential, or how to give one.
    pub fn credential(&self) -> Result<&CredentialSpec, Error> {
        self.credential.as_ref().ok_or_else(|| {
            self.missing(
                "secret`, or `thumbprint` and `private_key_file",
                "AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
                "--client-secret, --certificate or --federated-token-file",
            )
        })
    }

    /// The quickstart's `endpoint`: only a parameters.json has one.
    pub fn endpoint(&self) -> Result<&Url, Error> {
        self.endpoint.as_ref().ok_or_else(|| match &self.file {
            Some(file) => Error::Config(format!("{}: missing key `endpoint`", file.display())),
            None => Error::Config(
                "no endpoint: `entrad run` needs a parameters.json with `endpoint`".to_owned(),
            ),
        })
    }

    fn missing(&self, key: &str, env: &str, flag: &str) -> Error {
        match &self.file {
            Some(file) => Error::Config(format!(
                "{}: missing key `{key}` (or set {env}, or pass {flag})",
                file.display()
            )),
            None => Error::Config(format!(
                "no `{key}` configured: set {env}, pass {flag}, or give a parameters.json with --config"
            )),
        }
    }
}

fn file_credential(
    file: &ParametersFile,
    env: &EnvConfig,
) -> Result<Option<CredentialSpec>, Error> {
    let name = file.path.display();
    if let Some(list) = &file.client_credentials {
        if file.secret.is_some() || file.thumbprint.is_some() || file.private_key_file.is_some() {
            return Err(Error::Config(format!(
                "{name}: has both `{}` and `secret`/`thumbprint`/`private_key_file`: keep one",
                super::credential_list::KEY
            )));
        }
        let specs = super::credential_list::parse(list, &file.base_dir, &name.to_string(), env)?;
        return Ok(Some(CredentialSpec::List(specs)));
    }
    let key = file.private_key_file.as_ref().map(|path| FileRef {
        path: path.clone(),
        origin: format!("`private_key_file` of {name}"),
    });
    match (&file.secret, &file.thumbprint, key) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Error::Config(format!(
            "{name}: has both `secret` and a certificate (`thumbprint`/`private_key_file`): keep one"
        ))),
        (Some(secret), None, None) => Ok(Some(CredentialSpec::Secret(secret.clone()))),
        (None, Some(thumbprint), Some(key)) => Ok(Some(CredentialSpec::Thumbprint {
            key,
            thumbprint: thumbprint.clone(),
        })),
        (None, Some(_), None) => Err(Error::Config(format!(
            "{name}: `thumbprint` is set but `private_key_file` is missing"
        ))),
        (None, None, Some(_)) => Err(Error::Config(format!(
            "{name}: `private_key_file` is set but `thumbprint` is missing"
        ))),
        (None, None, None) => Ok(None),
    }
}

/// azure-identity's order: a secret first, then a certificate, then workload identity.
fn env_credential(env: &EnvConfig) -> Option<CredentialSpec> {
    if let Some(secret) = &env.client_secret {
        return Some(CredentialSpec::Secret(secret.clone()));
    }
    if let Some(path) = &env.certificate_path {
        return Some(CredentialSpec::Certificate {
            file: FileRef {
                path: path.clone(),
                origin: "AZURE_CLIENT_CERTIFICATE_PATH".to_owned(),
            },
            password: env.certificate_password.clone(),
        });
    }
    env.federated_token_file.as_ref().map(|path| {
        CredentialSpec::FederatedTokenFile(FileRef {
            path: path.clone(),
            origin: "AZURE_FEDERATED_TOKEN_FILE".to_owned(),
        })
    })
}

fn flag_credential(flags: &IdentityArgs, env: &EnvConfig) -> Result<Option<CredentialSpec>, Error> {
    let flag_file = |path: &PathBuf, flag: &str| FileRef {
        path: path.clone(),
        origin: flag.to_owned(),
    };
    if let (Some(module), Some(key)) = (&flags.pkcs11_module, &flags.pkcs11_key) {
        return pkcs11_spec(flags, env, module, key).map(Some);
    }
    if let Some(secret) = &flags.client_secret {
        tracing::warn!(
            "--client-secret is visible to other users in the process list: prefer AZURE_CLIENT_SECRET"
        );
        return Ok(Some(CredentialSpec::Secret(secret.clone())));
    }
    let key = flags
        .private_key
        .as_ref()
        .map(|p| flag_file(p, "--private-key"));
    match (&flags.certificate, &flags.thumbprint, key) {
        (Some(certificate), _, Some(key)) => {
            return Ok(Some(CredentialSpec::KeyAndCertificate {
                key,
                certificate: flag_file(certificate, "--certificate"),
            }));
        }
        (Some(certificate), _, None) => {
            return Ok(Some(CredentialSpec::Certificate {
                file: flag_file(certificate, "--certificate"),
                password: flags
                    .certificate_password
                    .clone()
                    .or(env.certificate_password.clone()),
            }));
        }
        (None, Some(thumbprint), Some(key)) => {
            return Ok(Some(CredentialSpec::Thumbprint {
                key,
                thumbprint: thumbprint.clone(),
            }));
        }
        (None, Some(_), None) => {
            return Err(Error::Config("--thumbprint needs --private-key".to_owned()));
        }
        (None, None, Some(_)) => {
            return Err(Error::Config(
                "--private-key needs --thumbprint (SHA-1 hex) or --certificate (PEM)".to_owned(),
            ));
        }
        (None, None, None) => {}
    }
    Ok(flags
        .federated_token_file
        .as_ref()
        .map(|p| CredentialSpec::FederatedTokenFile(flag_file(p, "--federated-token-file"))))
}

/// The PKCS#11 key of the flags, with the PIN from --pkcs11-pin-file or ENTRAD_PKCS11_PIN.
fn pkcs11_spec(
    flags: &IdentityArgs,
    env: &EnvConfig,
    module: &std::path::Path,
    key: &str,
) -> Result<CredentialSpec, Error> {
    let pin = match (&flags.pkcs11_pin_file, &env.pkcs11_pin) {
        (Some(path), _) => read_pin_file(path)?,
        (None, Some(pin)) => pin.clone(),
        (None, None) => {
            return Err(Error::Config(
                "--pkcs11-module needs the token's PIN: set ENTRAD_PKCS11_PIN or pass --pkcs11-pin-file".to_owned(),
            ));
        }
    };
    Ok(CredentialSpec::Pkcs11(Pkcs11Spec {
        module: module.to_path_buf(),
        token: flags.pkcs11_token.clone(),
        key: key.to_owned(),
        pin,
    }))
}

/// Host and tenant merge separately, so AZURE_TENANT_ID can retarget the
/// file's authority host and AZURE_AUTHORITY_HOST can move the file's tenant.
fn authority(
    file: Option<(&std::path::Path, Option<&Url>)>,
    env_host: Option<&str>,
    tenant: Option<&str>,
    flag: Option<&str>,
) -> Option<(String, String)> {
    if let Some(flag) = flag {
        return Some((flag.trim().to_owned(), "--authority".to_owned()));
    }
    let origin = match (file, tenant, env_host) {
        (Some((path, Some(_))), None, None) => format!("{}: `authority`", path.display()),
        _ => "the authority from --tenant-id, AZURE_TENANT_ID or AZURE_AUTHORITY_HOST".to_owned(),
    };
    let file = file.and_then(|(_, url)| url);
    let host = env_host.map(|h| {
        let h = h.trim().trim_end_matches('/');
        if h.contains("://") {
            h.to_owned()
        } else {
            format!("https://{h}")
        }
    });
    let file_origin = file.map(|f| f.origin().ascii_serialization());
    let url = match (tenant, host, file) {
        (Some(tenant), host, _) => {
            let host = host
                .or(file_origin)
                .unwrap_or_else(|| DEFAULT_AUTHORITY_HOST.to_owned());
            format!("{host}/{}", tenant.trim_matches('/'))
        }
        (None, Some(host), Some(file)) => format!("{host}{}", file.path().trim_end_matches('/')),
        (None, None, Some(file)) => file.as_str().trim_end_matches('/').to_owned(),
        (None, _, None) => return None,
    };
    Some((url, origin))
}

/// The Graph base URL: `--graph-url`, else `endpoint`'s origin (checked with
/// `endpoint`), else the public cloud's.
fn graph_url(
    flag: Option<&str>,
    endpoint: Option<&Url>,
    allow_insecure_loopback: bool,
) -> Result<Url, Error> {
    let text = match (flag, endpoint) {
        (Some(flag), _) => flag.to_owned(),
        (None, Some(endpoint)) => endpoint.origin().ascii_serialization(),
        (None, None) => DEFAULT_GRAPH_URL.to_owned(),
    };
    let url = Url::parse(&text)
        .map_err(|e| Error::Config(format!("--graph-url is not a valid URL (`{text}`): {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "--graph-url must be an https:// URL, found `{text}`"
        )));
    }
    if flag.is_some() {
        plain_http::check(&url, "--graph-url", allow_insecure_loopback)?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser;
    use secrecy::ExposeSecret;

    use super::*;

    /// The identity flags as a command that takes them parses them.
    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        identity: IdentityArgs,
    }

    fn flags(args: &[&str]) -> IdentityArgs {
        let mut argv = vec!["entrad"];
        argv.extend_from_slice(args);
        Flags::try_parse_from(argv).unwrap().identity
    }

    fn file(text: &str) -> ParametersFile {
        super::super::file::parse(Path::new("/cfg/parameters.json"), text).unwrap()
    }

    const SECRET_FILE: &str = r#"{"authority":"https://127.0.0.1:8443/tid","client_id":"file-client",
        "scope":["https://graph.microsoft.com/.default"],"secret":"file-secret",
        "endpoint":"https://127.0.0.1:8443/v1.0/users"}"#;

    fn env(pairs: &[(&str, &str)]) -> EnvConfig {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvConfig::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_file_alone_is_the_quickstart() {
        let s = Settings::merge(Some(file(SECRET_FILE)), env(&[]), &flags(&[]), None).unwrap();
        assert_eq!(s.authority().unwrap().0, "https://127.0.0.1:8443/tid");
        assert_eq!(s.client_id().unwrap(), "file-client");
        assert_eq!(s.graph_url.as_str(), "https://127.0.0.1:8443/");
        assert_eq!(s.endpoint().unwrap().path(), "/v1.0/users");
        let CredentialSpec::Secret(secret) = s.credential().unwrap() else {
            panic!("not a secret")
        };
        assert_eq!(secret.expose_secret(), "file-secret");
    }

    #[test]
    fn env_beats_file_and_flags_beat_env() {
        let e = env(&[
            ("AZURE_CLIENT_ID", "env-client"),
            ("AZURE_TENANT_ID", "env-tenant"),
        ]);
        let s = Settings::merge(Some(file(SECRET_FILE)), e, &flags(&[]), None).unwrap();
        assert_eq!(s.client_id().unwrap(), "env-client");
        // The tenant moves, the file's host stays.
        assert_eq!(
            s.authority().unwrap().0,
            "https://127.0.0.1:8443/env-tenant"
        );

        let e = env(&[
            ("AZURE_CLIENT_ID", "env-client"),
            ("AZURE_CLIENT_CERTIFICATE_PATH", "/c.pem"),
        ]);
        let f = flags(&[
            "--client-id",
            "flag-client",
            "--authority",
            "https://login.microsoftonline.us/t",
        ]);
        let s = Settings::merge(Some(file(SECRET_FILE)), e, &f, None).unwrap();
        assert_eq!(s.client_id().unwrap(), "flag-client");
        assert_eq!(
            s.authority().unwrap().0,
            "https://login.microsoftonline.us/t"
        );
        assert!(matches!(
            s.credential().unwrap(),
            CredentialSpec::Certificate { .. }
        ));
    }

    #[test]
    fn authority_host_and_tenant_from_env() {
        let e = env(&[
            ("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"),
            ("AZURE_TENANT_ID", "t"),
        ]);
        let s = Settings::merge(None, e, &flags(&[]), None).unwrap();
        assert_eq!(
            s.authority().unwrap().0,
            "https://login.microsoftonline.us/t"
        );
        let s = Settings::merge(None, env(&[("AZURE_TENANT_ID", "t")]), &flags(&[]), None).unwrap();
        assert_eq!(
            s.authority().unwrap().0,
            "https://login.microsoftonline.com/t"
        );
        assert_eq!(s.graph_url.as_str(), "https://graph.microsoft.com/");
        assert_eq!(s.scopes, [DEFAULT_SCOPE]);
    }

    #[test]
    fn missing_values_say_where_to_put_them() {
        let f = file(r#"{"authority":"https://login.microsoftonline.com/t","secret":"x"}"#);
        let s = Settings::merge(Some(f), env(&[]), &flags(&[]), None).unwrap();
        assert_eq!(
            s.client_id().unwrap_err().to_string(),
            "/cfg/parameters.json: missing key `client_id` (or set AZURE_CLIENT_ID, or pass --client-id)"
        );
        assert_eq!(
            s.endpoint().unwrap_err().to_string(),
            "/cfg/parameters.json: missing key `endpoint`"
        );
        let s = Settings::merge(None, env(&[]), &flags(&[]), None).unwrap();
        assert!(
            s.credential()
                .unwrap_err()
                .to_string()
                .contains("AZURE_CLIENT_SECRET")
        );
    }

    #[test]
    fn certificate_variants() {
        let f = file(r#"{"thumbprint":"AB","private_key_file":"k.pem"}"#);
        let s = Settings::merge(Some(f), env(&[]), &flags(&[]), None).unwrap();
        let CredentialSpec::Thumbprint { key, thumbprint } = s.credential().unwrap() else {
            panic!()
        };
        assert_eq!(
            (key.path.as_path(), thumbprint.as_str()),
            (Path::new("/cfg/k.pem"), "AB")
        );

        let err = super::super::file::parse(Path::new("p.json"), r#"{"thumbprint":"AB"}"#)
            .and_then(|f| Settings::merge(Some(f), env(&[]), &flags(&[]), None))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.json: `thumbprint` is set but `private_key_file` is missing"
        );

        let f = flags(&["--certificate", "c.pem", "--private-key", "k.pem"]);
        let s = Settings::merge(None, env(&[]), &f, None).unwrap();
        assert!(matches!(
            s.credential().unwrap(),
            CredentialSpec::KeyAndCertificate { .. }
        ));
        let err =
            Settings::merge(None, env(&[]), &flags(&["--private-key", "k.pem"]), None).unwrap_err();
        assert!(err.to_string().contains("--private-key needs"));
    }

    #[test]
    fn plain_http_graph_urls_need_loopback_and_the_flag() {
        let local = r#"{"endpoint":"http://127.0.0.1:8080/v1.0/users"}"#;
        let err = Settings::merge(Some(file(local)), env(&[]), &flags(&[]), None).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "`endpoint` of /cfg/parameters.json `http://127.0.0.1:8080/v1.0/users` uses http://"
            ),
            "{err}"
        );
        let allow = flags(&["--allow-insecure-loopback"]);
        let s = Settings::merge(Some(file(local)), env(&[]), &allow, None).unwrap();
        assert_eq!(s.graph_url.as_str(), "http://127.0.0.1:8080/");
        assert!(s.allow_insecure_loopback);

        let remote = r#"{"endpoint":"http://graph.microsoft.com/v1.0/users"}"#;
        let err = Settings::merge(Some(file(remote)), env(&[]), &allow, None).unwrap_err();
        assert!(
            err.to_string().contains("only possible for a loopback"),
            "{err}"
        );
        // --graph-url does not make an http endpoint acceptable: `run` calls it.
        let f = flags(&["--graph-url", "https://graph.microsoft.com"]);
        assert!(Settings::merge(Some(file(local)), env(&[]), &f, None).is_err());
        let f = flags(&["--graph-url", "http://localhost:1"]);
        let err = Settings::merge(None, env(&[]), &f, None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--graph-url `http://localhost:1/`"),
            "{err}"
        );
    }

    #[test]
    fn scopes_and_graph_url_from_flags() {
        let f = flags(&[
            "--scope",
            "api://a/.default",
            "--graph-url",
            "https://graph.microsoft.us",
        ]);
        let s = Settings::merge(Some(file(SECRET_FILE)), env(&[]), &f, None).unwrap();
        assert_eq!(s.scopes, ["api://a/.default"]);
        assert_eq!(s.graph_url.as_str(), "https://graph.microsoft.us/");
        let err =
            Settings::merge(None, env(&[]), &flags(&["--graph-url", "nope"]), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--graph-url is not a valid URL (`nope`)")
        );
    }
}
