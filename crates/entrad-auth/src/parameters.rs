//! The quickstart's `parameters.json`, read unchanged: its keys and their
//! checks, for every program that runs it (the `entrad` CLI, the Python
//! package's `Credential.from_parameters`).
//!
//! The file is parsed to a JSON value first and checked key by key, so that a
//! mistake is reported as "`scope` must be a list of strings or a string"
//! rather than as a serde message about an enum variant. Every error is an
//! [`Error::Config`] naming the file, on one line, without the values (a
//! value may be a secret).
//!
//! ```
//! use std::path::Path;
//! use entrad_auth::parameters::ParametersFile;
//!
//! let file = ParametersFile::parse(
//!     Path::new("/app/parameters.json"),
//!     r#"{"authority": "https://login.microsoftonline.com/contoso.onmicrosoft.com",
//!         "client_id": "11111111-2222-3333-4444-555555555555",
//!         "scope": ["https://graph.microsoft.com/.default"],
//!         "thumbprint": "AB12", "private_key_file": "key.pem",
//!         "endpoint": "https://graph.microsoft.com/v1.0/users"}"#,
//! )?;
//! assert_eq!(file.private_key_file.as_deref(), Some(Path::new("/app/key.pem")));
//!
//! let err = ParametersFile::parse(Path::new("p.json"), r#"{"client_id": 42}"#).unwrap_err();
//! assert_eq!(err.to_string(), "configuration error: p.json: `client_id` must be a string, found a number");
//! # Ok::<(), entrad_auth::Error>(())
//! ```

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde_json::{Map, Value};
use url::Url;

use crate::{CacheSpec, Error, read_bounded};

/// The key of Microsoft.Identity.Web's credential descriptions (an entrad
/// extension MSAL ignores): [`ParametersFile::client_credentials`].
pub const CLIENT_CREDENTIALS_KEY: &str = "ClientCredentials";

/// An entrad-auth configuration message without its "configuration error: "
/// prefix, to follow the name of the key it is about.
fn auth_message(e: Error) -> String {
    match e {
        Error::Config(message) => message,
        other => other.to_string(),
    }
}

/// The most a configuration file may hold: 1 MiB. The quickstart's file is a
/// few hundred bytes; the bound keeps a wrong path (`/dev/zero`, a log) from
/// exhausting memory.
pub const CONFIG_FILE_LIMIT: u64 = 1024 * 1024;

/// The keys of the quickstart's `parameters.json` (secret and certificate variants).
#[derive(Debug, Default)]
pub struct ParametersFile {
    /// The file as named by the user, for messages.
    pub path: PathBuf,
    /// `authority`: `https://login.microsoftonline.com/{tenant}`.
    pub authority: Option<Url>,
    /// `client_id`: the application (client) ID.
    pub client_id: Option<String>,
    /// `scope`: a list of scopes (a single string is accepted too).
    pub scope: Option<Vec<String>>,
    /// `secret`: the client secret (secret variant).
    pub secret: Option<SecretString>,
    /// `endpoint`: the Graph URL the quickstart calls.
    pub endpoint: Option<Url>,
    /// `thumbprint`: SHA-1 of the certificate, hex (certificate variant).
    pub thumbprint: Option<String>,
    /// `private_key_file`, resolved against the file's directory (certificate variant).
    pub private_key_file: Option<PathBuf>,
    /// `ClientCredentials` (an entrad extension MSAL ignores): credential
    /// descriptions as Microsoft.Identity.Web's, each checked by whoever uses them.
    pub client_credentials: Option<Vec<Value>>,
    /// The directory of the file, against which relative paths resolve.
    pub base_dir: PathBuf,
    /// `cache` (an entrad extension MSAL ignores): the token cache; a relative
    /// `file:PATH` is resolved against the file's directory.
    pub cache: Option<CacheSpec>,
    /// `client_capabilities` (MSAL's option of that name): e.g. `["cp1"]` for
    /// continuous access evaluation.
    pub client_capabilities: Option<Vec<String>>,
    /// `managed_identity` (an entrad extension): `system`, `client-id:ID`,
    /// `resource-id:ID` or `object-id:ID` instead of a secret.
    pub managed_identity: Option<String>,
}

impl ParametersFile {
    /// Reads and checks the file at `path` (at most [`CONFIG_FILE_LIMIT`]).
    pub fn load(path: &Path) -> crate::Result<ParametersFile> {
        let cannot_read = |e: &dyn std::fmt::Display| {
            Error::Config(format!("cannot read config file {}: {e}", path.display()))
        };
        let bytes = read_bounded(path, CONFIG_FILE_LIMIT).map_err(|e| cannot_read(&e))?;
        let text = String::from_utf8(bytes).map_err(|_| cannot_read(&"it is not UTF-8 text"))?;
        Self::parse(path, &text)
    }

    /// Checks `text` as the content of the file at `path` (used for messages
    /// and to resolve a relative `private_key_file`).
    pub fn parse(path: &Path, text: &str) -> crate::Result<ParametersFile> {
        let name = path.display().to_string();
        let fail = |msg: String| Error::Config(format!("{name}: {msg}"));
        let value: Value = serde_json::from_str(text).map_err(|e| fail(json_error(&e)))?;
        let Value::Object(map) = value else {
            return Err(fail(format!(
                "expected a JSON object with the quickstart keys (authority, client_id, scope, secret, endpoint), found {}",
                describe(&value)
            )));
        };
        let keys = Keys { map: &map };
        let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
        let file = ParametersFile {
            path: path.to_path_buf(),
            authority: keys.url("authority").map_err(fail)?,
            client_id: keys.string("client_id").map_err(fail)?,
            scope: keys.scope().map_err(fail)?,
            secret: keys.string("secret").map_err(fail)?.map(SecretString::from),
            endpoint: keys.url("endpoint").map_err(fail)?,
            thumbprint: keys.string("thumbprint").map_err(fail)?,
            private_key_file: keys
                .string("private_key_file")
                .map_err(fail)?
                .map(|p| base_dir.join(p)),
            cache: keys.cache(base_dir).map_err(fail)?,
            client_capabilities: keys.client_capabilities().map_err(fail)?,
            client_credentials: match map.get(CLIENT_CREDENTIALS_KEY) {
                None => None,
                Some(Value::Array(list)) => Some(list.clone()),
                Some(other) => {
                    return Err(fail(format!(
                        "`{}` must be a list of credential descriptions, found {}",
                        CLIENT_CREDENTIALS_KEY,
                        describe(other)
                    )));
                }
            },
            base_dir: base_dir.to_path_buf(),
            managed_identity: keys.string("managed_identity").map_err(fail)?,
        };
        Ok(file)
    }
}

/// serde_json's message with its location spelled out for people.
fn json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = full.strip_suffix(&suffix).unwrap_or(&full);
    format!(
        "invalid JSON at line {}, column {}: {msg}",
        e.line(),
        e.column()
    )
}

/// "a number", "a list", ... for messages; never the value itself (it may be a secret).
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

struct Keys<'a> {
    map: &'a Map<String, Value>,
}

impl Keys<'_> {
    fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Err(format!("`{key}` is empty")),
            Some(Value::String(s)) if s.contains("Enter_the_") => Err(format!(
                "`{key}` still holds the quickstart's placeholder: replace it with your app's value"
            )),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(other) => Err(format!(
                "`{key}` must be a string, found {}",
                describe(other)
            )),
        }
    }

    fn url(&self, key: &str) -> Result<Option<Url>, String> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        // Escaped so a stray newline or control character cannot break the
        // one-line message.
        let shown = text.escape_debug();
        let url = Url::parse(&text)
            .map_err(|e| format!("`{key}` is not a valid URL (`{shown}`): {e}"))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(format!("`{key}` must be an https:// URL, found `{shown}`"));
        }
        Ok(Some(url))
    }

    fn cache(&self, base_dir: &Path) -> Result<Option<CacheSpec>, String> {
        let Some(text) = self.string("cache")? else {
            return Ok(None);
        };
        // Never the value in the message: a Redis URL can hold a password.
        let spec = CacheSpec::parse(&text).map_err(|e| format!("`cache`: {}", auth_message(e)))?;
        Ok(Some(match spec {
            CacheSpec::File(Some(path)) if path.is_relative() => {
                CacheSpec::File(Some(base_dir.join(path)))
            }
            other => other,
        }))
    }

    /// A list of strings, or one string of space-separated items.
    fn list(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        let wrong = format!("`{key}` must be a list of strings or a string");
        let items = match self.map.get(key) {
            None => return Ok(None),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.trim().to_owned()),
                    other => Err(format!("{wrong}, found a list holding {}", describe(other))),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("{wrong}, found {}", describe(other))),
        };
        Ok(Some(items))
    }

    fn client_capabilities(&self) -> Result<Option<Vec<String>>, String> {
        let capabilities = self.list("client_capabilities")?;
        if let Some(bad) = capabilities
            .iter()
            .flatten()
            .find(|c| c.is_empty() || c.contains(['"', '\\']))
        {
            return Err(format!(
                "`client_capabilities` holds {bad:?}: use names such as [\"cp1\"]"
            ));
        }
        Ok(capabilities)
    }

    fn scope(&self) -> Result<Option<Vec<String>>, String> {
        let Some(scopes) = self.list("scope")? else {
            return Ok(None);
        };
        if scopes.is_empty() || scopes.iter().any(String::is_empty) {
            return Err(
                "`scope` is empty: use [\"https://graph.microsoft.com/.default\"]".to_owned(),
            );
        }
        Ok(Some(scopes))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    /// The file, or its message without the "configuration error: " prefix.
    fn parse(text: &str) -> Result<ParametersFile, String> {
        ParametersFile::parse(Path::new("/cfg/parameters.json"), text).map_err(auth_message)
    }

    #[test]
    fn reads_the_secret_variant() {
        let f = parse(
            r#"{"authority":"https://login.microsoftonline.com/contoso.onmicrosoft.com",
                "client_id":"11111111-2222-3333-4444-555555555555",
                "scope":["https://graph.microsoft.com/.default"],
                "secret":"s3cr3t","endpoint":"https://graph.microsoft.com/v1.0/users"}"#,
        )
        .unwrap();
        assert_eq!(
            f.authority.unwrap().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com"
        );
        assert_eq!(f.scope.unwrap(), ["https://graph.microsoft.com/.default"]);
        assert_eq!(f.secret.unwrap().expose_secret(), "s3cr3t");
        assert_eq!(f.endpoint.unwrap().path(), "/v1.0/users");
    }

    #[test]
    fn reads_the_certificate_variant_with_a_relative_key_file() {
        let f = parse(
            r#"{"authority":"https://login.microsoftonline.com/t","client_id":"c",
                "scope":"https://graph.microsoft.com/.default","thumbprint":"AB12",
                "private_key_file":"server.pem","endpoint":"https://graph.microsoft.com/v1.0/users",
                "certificate_file":"ignored.pem"}"#,
        )
        .unwrap();
        assert_eq!(f.private_key_file.unwrap(), Path::new("/cfg/server.pem"));
        assert_eq!(f.thumbprint.unwrap(), "AB12");
        assert!(f.secret.is_none());
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let err = parse("{\n  \"client_id\": \"c\"\n  \"secret\": 1\n}").unwrap_err();
        assert!(
            err.starts_with(
                "/cfg/parameters.json: invalid JSON at line 3, column 3: expected `,` or `}`"
            ),
            "{err}"
        );
    }

    #[test]
    fn wrong_types_are_named() {
        let err = parse(r#"{"client_id": 42}"#).unwrap_err();
        assert_eq!(
            err,
            "/cfg/parameters.json: `client_id` must be a string, found a number"
        );
        let err = parse(r#"{"scope": 3}"#).unwrap_err();
        assert!(err.contains("`scope` must be a list of strings or a string, found a number"));
        let err = parse(r#"{"scope": ["a", 1]}"#).unwrap_err();
        assert!(err.contains("found a list holding a number"), "{err}");
        let err = parse("[1]").unwrap_err();
        assert!(err.contains("expected a JSON object"), "{err}");
    }

    #[test]
    fn bad_urls_are_named() {
        let err = parse(r#"{"authority": "login.microsoftonline.com/t"}"#).unwrap_err();
        assert!(
            err.contains("`authority` is not a valid URL (`login.microsoftonline.com/t`)"),
            "{err}"
        );
        let err = parse(r#"{"endpoint": "ftp://graph.microsoft.com/v1.0/users"}"#).unwrap_err();
        assert!(err.contains("`endpoint` must be an https:// URL"), "{err}");
        let err = parse(r#"{"endpoint": "a\nb"}"#).unwrap_err();
        assert!(err.contains("(`a\\nb`)") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn cache_key_with_a_path_relative_to_the_file() {
        let f = parse(r#"{"cache": "file:tokens.json"}"#).unwrap();
        assert_eq!(
            f.cache,
            Some(CacheSpec::File(Some("/cfg/tokens.json".into())))
        );
        assert_eq!(
            parse(r#"{"cache": "memory"}"#).unwrap().cache,
            Some(CacheSpec::Memory)
        );
        let err = parse(r#"{"cache": "redis://:hunter2@[oops"}"#).unwrap_err();
        assert!(err.contains("`cache`") && !err.contains("hunter2"), "{err}");
        let err = parse(r#"{"cache": "memcached://x"}"#).unwrap_err();
        assert!(err.contains("memory, file, file:PATH or redis://"), "{err}");
    }

    #[test]
    fn placeholders_and_empty_values_are_refused_without_echoing_secrets() {
        let err = parse(r#"{"secret": "Enter_the_Client_Secret_Here"}"#).unwrap_err();
        assert!(err.contains("`secret` still holds the quickstart's placeholder"));
        assert!(!err.contains("Enter_the_Client_Secret_Here"));
        let err = parse(r#"{"secret": 12345}"#).unwrap_err();
        assert!(!err.contains("12345"));
        let err = parse(r#"{"scope": []}"#).unwrap_err();
        assert!(err.contains("`scope` is empty"));
    }

    #[test]
    fn client_capabilities_as_msal_names_them() {
        let caps = |text: &str| parse(text).map(|f| f.client_capabilities);
        assert_eq!(
            caps(r#"{"client_capabilities": ["cp1"]}"#).unwrap(),
            Some(vec!["cp1".to_owned()])
        );
        assert_eq!(
            caps(r#"{"client_capabilities": "cp1 cp2"}"#).unwrap(),
            Some(vec!["cp1".to_owned(), "cp2".to_owned()])
        );
        assert_eq!(
            caps(r#"{"client_capabilities": []}"#).unwrap(),
            Some(vec![])
        );
        assert_eq!(caps("{}").unwrap(), None);
        let err = caps(r#"{"client_capabilities": true}"#).unwrap_err();
        assert!(
            err.contains(
                "`client_capabilities` must be a list of strings or a string, found a boolean"
            ),
            "{err}"
        );
        let err = caps(r#"{"client_capabilities": ["cp1", ""]}"#).unwrap_err();
        assert!(err.contains("use names such as [\"cp1\"]"), "{err}");
    }

    mod prop {
        use proptest::prelude::*;
        use serde_json::{Map, Value};

        use super::parse;

        const KEYS: [&str; 9] = [
            "authority",
            "client_id",
            "scope",
            "secret",
            "endpoint",
            "thumbprint",
            "private_key_file",
            "cache",
            "client_capabilities",
        ];

        /// Strings a user might put in any key: URLs, placeholders, cache
        /// specs, control characters, and anything at all.
        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                "(https?://|ftp://|redis://|file:|memory|Enter_the_)?[a-zA-Z0-9.:/@%\\[\\]\n\t -]{0,20}",
            ]
        }

        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                text().prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..4).prop_map(
                        |pairs| Value::Object(
                            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                        )
                    ),
                ]
            })
        }

        /// An object holding a random subset of the quickstart keys with
        /// random values, and always a recognisable string secret.
        fn parameters() -> impl Strategy<Value = (Value, String)> {
            (
                prop::collection::vec((prop::sample::select(&KEYS[..]), json()), 0..8),
                "[A-Za-z0-9~._-]{16,32}",
            )
                .prop_map(|(pairs, secret)| {
                    let mut map: Map<String, Value> =
                        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                    map.insert("secret".into(), Value::String(secret.clone()));
                    (Value::Object(map), secret)
                })
        }

        fn check(text: &str, secret: Option<&str>) -> Result<(), TestCaseError> {
            if let Err(message) = parse(text) {
                prop_assert!(!message.contains('\n'), "{message:?}");
                if let Some(secret) = secret {
                    prop_assert!(!message.contains(secret), "{message:?}");
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn prop_parameters_keep_secrets_out_of_one_line_errors(
                (value, secret) in parameters()
            ) {
                check(&value.to_string(), Some(&secret))?;
                check(&serde_json::to_string_pretty(&value).unwrap(), Some(&secret))?;
            }

            #[test]
            fn prop_any_json_value_gets_a_one_line_answer(value in json()) {
                let secret = value.get("secret").and_then(Value::as_str).map(str::to_owned);
                // A short secret ("a") occurs in any message by chance: only
                // check the ones long enough to be a real secret.
                let secret = secret.filter(|s| s.trim().len() >= 12);
                check(&value.to_string(), secret.as_deref())?;
            }

            #[test]
            fn prop_any_bytes_get_a_one_line_answer(
                bytes in prop::collection::vec(any::<u8>(), 0..200)
            ) {
                check(&String::from_utf8_lossy(&bytes), None)?;
            }
        }
    }
}
