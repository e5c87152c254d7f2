//! The quickstart's `parameters.json` (and its certificate and unconsented twins),
//! and `entrad.env` (the `entrad` settings that point at them), written into the
//! state directory at every start since the port may change.

use secrecy::ExposeSecret;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::files::{StateDir, names, write_atomic};
use crate::keys::thumbprint_hex;
use crate::state::{
    App, CONSENTED_CLIENT_ID, Directory, NO_SERVICE_PRINCIPAL_CLIENT_ID, UNCONSENTED_CLIENT_ID,
};

const SCOPE: &str = "https://graph.microsoft.com/.default";

/// The quickstart's keys, in its order.
#[derive(Serialize)]
struct SecretParameters<'a> {
    authority: &'a str,
    client_id: &'a str,
    scope: [&'a str; 1],
    secret: &'a str,
    endpoint: &'a str,
}

#[derive(Serialize)]
struct CertificateParameters<'a> {
    authority: &'a str,
    client_id: &'a str,
    scope: [&'a str; 1],
    thumbprint: String,
    private_key_file: String,
    endpoint: &'a str,
    certificate_file: String,
}

fn write_json(dir: &StateDir, name: &str, value: &impl Serialize) -> Result<()> {
    let path = dir.file(name);
    let mut json = serde_json::to_vec_pretty(value).map_err(|e| Error::InvalidState {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    json.push(b'\n');
    write_atomic(&path, &json, true)
}

fn secret_file(
    dir: &StateDir,
    name: &str,
    app: Option<&App>,
    authority: &str,
    endpoint: &str,
) -> Result<()> {
    let Some(app) = app else {
        return Ok(());
    };
    let Some(secret) = app.current_secret() else {
        return Ok(());
    };
    write_json(
        dir,
        name,
        &SecretParameters {
            authority,
            client_id: &app.client_id,
            scope: [SCOPE],
            secret: secret.expose_secret(),
            endpoint,
        },
    )
}

pub(crate) fn write_all(dir: &StateDir, base: &str, directory: &Directory) -> Result<()> {
    let authority = format!("{base}/{}", directory.tenant.id);
    let endpoint = format!("{base}/v1.0/users");
    let consented = directory.app(CONSENTED_CLIENT_ID);
    secret_file(dir, names::PARAMETERS, consented, &authority, &endpoint)?;
    secret_file(
        dir,
        names::PARAMETERS_UNCONSENTED,
        directory.app(UNCONSENTED_CLIENT_ID),
        &authority,
        &endpoint,
    )?;
    secret_file(
        dir,
        names::PARAMETERS_NO_SERVICE_PRINCIPAL,
        directory.app(NO_SERVICE_PRINCIPAL_CLIENT_ID),
        &authority,
        &endpoint,
    )?;
    if consented.is_some() {
        write_entrad_env(dir, base)?;
    }
    if let Some((app, certificate)) = consented.and_then(|a| Some((a, a.certificates.first()?))) {
        write_json(
            dir,
            names::PARAMETERS_CERTIFICATE,
            &CertificateParameters {
                authority: &authority,
                client_id: &app.client_id,
                scope: [SCOPE],
                thumbprint: thumbprint_hex(certificate),
                private_key_file: dir.file(names::APP_KEY).display().to_string(),
                endpoint: &endpoint,
                certificate_file: dir.file(names::APP_CERT).display().to_string(),
            },
        )?;
    }
    Ok(())
}

/// `entrad.env`: `ENTRAD_CONFIG` (the consented app's parameters.json),
/// `ENTRAD_CA_FILE` and `ENTRAD_GRAPH_URL`, so that after
/// `set -a; . STATE_DIR/entrad.env; set +a` every `entrad` command uses this
/// emulator without flags. No secret in it (paths and a URL): mode 0644.
fn write_entrad_env(dir: &StateDir, base: &str) -> Result<()> {
    let path = |name: &str| dir.file(name).display().to_string();
    let text = format!(
        "# entrad's settings for the emulator at {base}: set -a; . {env}; set +a\n\
         ENTRAD_CONFIG={config}\n\
         ENTRAD_CA_FILE={ca}\n\
         ENTRAD_GRAPH_URL={graph}\n",
        env = shell_word(&path(names::ENTRAD_ENV)),
        config = shell_word(&path(names::PARAMETERS)),
        ca = shell_word(&path(names::CA_CERT)),
        graph = shell_word(base),
    );
    write_atomic(&dir.file(names::ENTRAD_ENV), text.as_bytes(), false)
}

/// `value` as one shell word: as it is when it needs no quoting (the usual
/// case, also readable by `env $(cat ..)`, systemd and docker), else in single quotes.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:+,@%=".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_only_when_the_shell_needs_it() {
        assert_eq!(shell_word("/tmp/emu/ca.pem"), "/tmp/emu/ca.pem");
        assert_eq!(
            shell_word("https://127.0.0.1:8443"),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            shell_word("/Users/a/Library/Application Support/entrad/emulator/ca.pem"),
            "'/Users/a/Library/Application Support/entrad/emulator/ca.pem'"
        );
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }

    #[test]
    fn entrad_env_points_at_the_state_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = StateDir::create(tmp.path()).unwrap();
        write_entrad_env(&dir, "https://127.0.0.1:8443").unwrap();
        let text = std::fs::read_to_string(dir.file(names::ENTRAD_ENV)).unwrap();
        let root = dir.root().display();
        assert!(text.starts_with('#'), "{text}");
        assert!(
            text.contains(&format!("\nENTRAD_CONFIG={root}/parameters.json\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!("\nENTRAD_CA_FILE={root}/ca.pem\n")),
            "{text}"
        );
        assert!(
            text.ends_with("\nENTRAD_GRAPH_URL=https://127.0.0.1:8443\n"),
            "{text}"
        );
    }
}
