//! The quickstart's `parameters.json` (and its certificate and unconsented twins),
//! written into the state directory at every start since the port may change.

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
