//! parameters.json's `ClientCredentials` (an entrad extension MSAL ignores):
//! an ordered list of credentials for rotation without downtime, described as
//! Microsoft.Identity.Web's `ClientCredentials` array describes them
//! (`SourceType` and its keys), plus entrad's own `Pkcs11` source.

use std::path::Path;

use secrecy::SecretString;
use serde_json::{Map, Value};

use super::credential_spec::{CredentialSpec, FileRef, Pkcs11Spec};
use super::env::EnvConfig;
use super::pin_file::read_pin_file;
use crate::error::Error;

/// The key in parameters.json.
pub const KEY: &str = entrad_auth::parameters::CLIENT_CREDENTIALS_KEY;

/// The sources understood, for messages.
const SOURCES: &str = "ClientSecret, Path, SignedAssertionFilePath, Pkcs11";

/// The credentials of `entries` (the `ClientCredentials` list of the file
/// `name` in `base_dir`), in their order.
pub fn parse(
    entries: &[Value],
    base_dir: &Path,
    name: &str,
    env: &EnvConfig,
) -> Result<Vec<CredentialSpec>, Error> {
    if entries.is_empty() {
        return Err(Error::Config(format!(
            "{name}: `{KEY}` is empty: give at least one credential"
        )));
    }
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let at = format!("{name}: `{KEY}[{i}]`");
            let Value::Object(map) = entry else {
                return Err(Error::Config(format!(
                    "{at} must be an object with a `SourceType`"
                )));
            };
            entry_spec(&Entry { map, at: &at }, base_dir, env)
        })
        .collect()
}

struct Entry<'a> {
    map: &'a Map<String, Value>,
    at: &'a str,
}

impl Entry<'_> {
    /// A string key, compared without case (as .NET configuration does).
    fn get(&self, key: &str) -> Result<Option<&str>, Error> {
        match self.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            None => Ok(None),
            Some((_, Value::String(s))) if !s.trim().is_empty() => Ok(Some(s.as_str())),
            Some(_) => Err(Error::Config(format!(
                "{}: `{key}` must be a non-empty string",
                self.at
            ))),
        }
    }

    fn require(&self, key: &str, source: &str) -> Result<&str, Error> {
        self.get(key)?
            .ok_or_else(|| Error::Config(format!("{}: SourceType {source} needs `{key}`", self.at)))
    }

    fn file(&self, key: &str, source: &str, base_dir: &Path) -> Result<FileRef, Error> {
        Ok(FileRef {
            path: base_dir.join(self.require(key, source)?),
            origin: format!("`{key}` of {}", self.at),
        })
    }
}

fn entry_spec(
    entry: &Entry<'_>,
    base_dir: &Path,
    env: &EnvConfig,
) -> Result<CredentialSpec, Error> {
    let source = entry.get("SourceType")?.unwrap_or_default();
    match source.to_ascii_lowercase().as_str() {
        "clientsecret" => Ok(CredentialSpec::Secret(SecretString::from(
            entry.require("ClientSecret", "ClientSecret")?.to_owned(),
        ))),
        "path" => Ok(CredentialSpec::Certificate {
            file: entry.file("CertificateDiskPath", "Path", base_dir)?,
            password: entry
                .get("CertificatePassword")?
                .map(|p| SecretString::from(p.to_owned())),
        }),
        "signedassertionfilepath" => Ok(CredentialSpec::FederatedTokenFile(entry.file(
            "SignedAssertionFileDiskPath",
            "SignedAssertionFilePath",
            base_dir,
        )?)),
        "pkcs11" => {
            let pin = match entry.get("Pkcs11PinFile")? {
                Some(file) => read_pin_file(&base_dir.join(file))?,
                None => env.pkcs11_pin.clone().ok_or_else(|| {
                    Error::Config(format!(
                        "{}: a Pkcs11 credential needs the token's PIN: set ENTRAD_PKCS11_PIN or `Pkcs11PinFile`",
                        entry.at
                    ))
                })?,
            };
            Ok(CredentialSpec::Pkcs11(Pkcs11Spec {
                module: base_dir.join(entry.require("Pkcs11Module", "Pkcs11")?),
                token: entry.get("Pkcs11Token")?.map(str::to_owned),
                key: entry.require("Pkcs11Key", "Pkcs11")?.to_owned(),
                pin,
            }))
        }
        "" => Err(Error::Config(format!(
            "{}: `SourceType` is missing (one of {SOURCES})",
            entry.at
        ))),
        _ => Err(Error::Config(format!(
            "{}: SourceType {:?} is not supported (one of {SOURCES})",
            entry.at,
            source.escape_debug().to_string()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn specs(value: Value) -> Result<Vec<CredentialSpec>, Error> {
        let env = EnvConfig::default();
        parse(value.as_array().unwrap(), Path::new("/cfg"), "p.json", &env)
    }

    #[test]
    fn reads_identity_web_descriptions_in_order() {
        let list = specs(json!([
            {"SourceType": "Path", "CertificateDiskPath": "new.pfx", "CertificatePassword": "pw"},
            {"sourceType": "ClientSecret", "clientSecret": "s"},
            {"SourceType": "SignedAssertionFilePath", "SignedAssertionFileDiskPath": "/var/token"},
        ]))
        .unwrap();
        assert!(
            matches!(&list[0], CredentialSpec::Certificate { file, password: Some(_) }
            if file.path == Path::new("/cfg/new.pfx"))
        );
        assert!(matches!(&list[1], CredentialSpec::Secret(_)));
        assert!(
            matches!(&list[2], CredentialSpec::FederatedTokenFile(f) if f.path == Path::new("/var/token"))
        );
    }

    #[test]
    fn mistakes_name_the_entry_and_never_the_secret() {
        let e = specs(json!([{"SourceType": "KeyVault", "KeyVaultUrl": "x"}])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.json: `ClientCredentials[0]`: SourceType \"KeyVault\" is not supported (one of ClientSecret, Path, SignedAssertionFilePath, Pkcs11)"
        );
        let e = specs(json!([{"SourceType": "ClientSecret"}])).unwrap_err();
        assert!(e.to_string().contains("needs `ClientSecret`"), "{e}");
        let e = specs(json!([{"SourceType": "ClientSecret", "ClientSecret": 5}])).unwrap_err();
        assert!(e.to_string().contains("must be a non-empty string"), "{e}");
        let e = specs(json!(["x"])).unwrap_err();
        assert!(
            e.to_string()
                .contains("`ClientCredentials[0]` must be an object"),
            "{e}"
        );
        assert!(specs(json!([])).is_err());
        let e = specs(json!([{"SourceType": "Pkcs11", "Pkcs11Module": "m.so", "Pkcs11Key": "k"}]))
            .unwrap_err();
        assert!(e.to_string().contains("ENTRAD_PKCS11_PIN"), "{e}");
    }
}
