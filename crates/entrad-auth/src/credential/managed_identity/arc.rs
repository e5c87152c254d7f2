//! Azure Arc-enabled servers: `GET {IDENTITY_ENDPOINT}?api-version=2020-06-01&resource=…`
//! with `Metadata: true` answers 401 with `WWW-Authenticate: Basic realm=PATH`;
//! the key is read from the file of that name in the agent's own key
//! directory (never from the path the server names), then sent as
//! `Authorization: Basic KEY`.

use std::path::{Path, PathBuf};

use entrad_http::StatusSet;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::call::Call;
use super::identity::IMDS_PARAMS;
use super::reply;
use crate::cache::CachedToken;
use crate::transport::Reply;
use crate::{Error, Result, read_bounded};

/// Where the Arc agent writes its key files on Linux.
pub(crate) const KEY_DIR: &str = "/var/opt/azcmagent/tokens";
/// The agent's binary, whose presence means Arc even without the variables.
pub(crate) const AGENT: &str = "/opt/azcmagent/bin/himds";
/// The agent's endpoint when the variables are not set.
pub(crate) const AGENT_ENDPOINT: &str = "http://localhost:40342/metadata/identity/oauth2/token";
/// A key file is a short secret.
const KEY_FILE_LIMIT: u64 = 4096;

pub(crate) struct Arc {
    pub(crate) endpoint: Url,
    pub(crate) key_dir: PathBuf,
}

impl Arc {
    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        let mut query = vec![("api-version", "2020-06-01"), ("resource", call.resource)];
        query.extend(call.identity.param(&IMDS_PARAMS));
        let request = || {
            call.http
                .get(&self.endpoint)
                .query(&query)
                .header("Metadata", "true")
        };
        let challenge = call.send(StatusSet::TOKEN_SERVICE, request).await?;
        if challenge.status != 401 {
            return Err(reply::refused(&challenge, "Azure Arc"));
        }
        let key = self.key(&challenge)?;
        let reply = call
            .send(StatusSet::TOKEN_SERVICE, || {
                request().header(
                    "Authorization",
                    &format!("Basic {}", key.expose_secret().trim()),
                )
            })
            .await?;
        let token = reply::token(&reply, "Azure Arc")?;
        confirm_identity(call, &reply)?;
        Ok(token)
    }

    /// The key the challenge points at, read from the agent's directory.
    fn key(&self, challenge: &Reply) -> Result<SecretString> {
        let realm = challenge
            .challenge
            .as_deref()
            .and_then(basic_realm)
            .ok_or_else(|| {
                Error::Credential(
                    "Azure Arc answered 401 without a WWW-Authenticate: Basic realm=… challenge"
                        .into(),
                )
            })?;
        let file = key_file(&self.key_dir, realm)?;
        let bytes = read_bounded(&file, KEY_FILE_LIMIT).map_err(|e| {
            Error::credential(
                format!("cannot read the Azure Arc key file {}", file.display()),
                e,
            )
        })?;
        let key = String::from_utf8(bytes)
            .map_err(|_| Error::Credential(format!("{} is not text", file.display())))?;
        Ok(SecretString::from(key))
    }
}

/// The `realm` of a `Basic` challenge (RFC 7617): `Basic realm=PATH`,
/// `Basic realm="PATH"`, with other parameters (`charset="UTF-8"`) in any
/// order. A quoted value runs to the next `"` with its backslashes kept: the
/// agent on Windows sends its path (`C:\ProgramData\…\x.key`) unescaped,
/// and only the file name is used.
pub(crate) fn basic_realm(challenge: &str) -> Option<&str> {
    let (scheme, mut params) = challenge.trim_start().split_once([' ', '\t'])?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    loop {
        let (name, after) = params
            .trim_start_matches([' ', '\t', ','])
            .split_once('=')?;
        let after = after.trim_start_matches([' ', '\t']);
        let (value, rest) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim_end(), &after[end..])
            }
        };
        if name.trim().eq_ignore_ascii_case("realm") {
            return Some(value);
        }
        params = rest;
    }
}

/// The key file for the challenge's `realm`: its name (without directories,
/// ending `.key`) in `key_dir`.
pub(crate) fn key_file(key_dir: &Path, realm: &str) -> Result<PathBuf> {
    let name = realm.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = name.strip_suffix(".key").unwrap_or_default();
    if stem.is_empty() || stem.starts_with('.') {
        return Err(Error::Credential(format!(
            "Azure Arc's challenge names {realm:?}, not a .key file"
        )));
    }
    Ok(key_dir.join(format!("{stem}.key")))
}

/// A user-assigned identity must be echoed back: an agent that ignores the
/// selector answers for the system-assigned one (MSAL fails closed too).
fn confirm_identity(call: &Call<'_>, reply: &Reply) -> Result<()> {
    let Some((param, requested)) = call.identity.param(&IMDS_PARAMS) else {
        return Ok(());
    };
    let json: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let echoed = json
        .get(param)
        .or_else(|| {
            (param == "msi_res_id")
                .then(|| json.get("mi_res_id"))
                .flatten()
        })
        .and_then(Value::as_str);
    if echoed.is_some_and(|e| e.eq_ignore_ascii_case(requested)) {
        Ok(())
    } else {
        Err(Error::Credential(format!(
            "Azure Arc did not confirm the {} in its answer: the agent likely serves its system-assigned identity only",
            call.identity
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realms_in_every_spelling_an_agent_sends() {
        for (challenge, realm) in [
            (
                "Basic realm=/var/opt/azcmagent/tokens/a.key",
                "/var/opt/azcmagent/tokens/a.key",
            ),
            (
                r#"Basic realm="/var/opt/azcmagent/tokens/a.key""#,
                "/var/opt/azcmagent/tokens/a.key",
            ),
            (
                r#"Basic realm="C:\ProgramData\AzureConnectedMachineAgent\Tokens\x.key", charset="UTF-8""#,
                r"C:\ProgramData\AzureConnectedMachineAgent\Tokens\x.key",
            ),
            (r#"basic charset="UTF-8",realm = "a.key""#, "a.key"),
            ("BASIC  realm=a.key , charset=UTF-8", "a.key"),
        ] {
            assert_eq!(basic_realm(challenge), Some(realm), "{challenge}");
        }
        for bad in [
            "",
            "Basic",
            "Bearer realm=a.key",
            "Basic charset=UTF-8",
            r#"Basic realm="a.key"#,
            "Basicrealm=a.key",
        ] {
            assert_eq!(basic_realm(bad), None, "{bad}");
        }
        let windows = basic_realm(r#"Basic realm="C:\T\x.key", charset="UTF-8""#).unwrap();
        assert_eq!(
            key_file(Path::new("/agent"), windows).unwrap(),
            Path::new("/agent/x.key")
        );
    }

    #[test]
    fn the_key_file_is_always_in_the_agent_directory() {
        let dir = Path::new("/agent/tokens");
        assert_eq!(
            key_file(dir, "/var/opt/azcmagent/tokens/abc.key").unwrap(),
            dir.join("abc.key")
        );
        assert_eq!(
            key_file(dir, "/etc/../../somewhere/else/abc.key").unwrap(),
            dir.join("abc.key")
        );
        for bad in ["/etc/passwd", "/x/.key", "", "abc.txt"] {
            assert!(key_file(dir, bad).is_err(), "{bad}");
        }
    }
}
