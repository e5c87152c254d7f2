//! The app registrations a fresh tenant starts with (the consented app, the
//! unconsented one, the one without a service principal) and their saved form.

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use super::apps::{
    App, CONSENT_REDIRECT_URI, CONSENTED_CLIENT_ID, ClientSecret, FederatedCredential,
    NO_SERVICE_PRINCIPAL_CLIENT_ID, RegisteredCertificate, UNCONSENTED_CLIENT_ID,
};
use super::persist::{SavedApp, SavedSecret};

/// Application permissions granted to the consented app: reading users, and groups
/// with their members.
const GRAPH_ROLES: [&str; 2] = ["User.Read.All", "GroupMember.Read.All"];
/// Application permission granted to the managed identities.
pub(crate) const GRAPH_ROLE: &str = "User.Read.All";
const DAY: i64 = 86_400;

/// A secret shaped like Entra's: three characters, `8Q~`, then 34 more.
pub(crate) fn new_secret_value() -> SecretString {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";
    let mut rng = rand::rngs::OsRng;
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect()
    };
    let value = format!("{}8Q~{}", pick(3), pick(34));
    SecretString::from(value)
}

fn secret(expires: i64) -> ClientSecret {
    ClientSecret {
        key_id: Uuid::new_v4().to_string(),
        value: new_secret_value(),
        expires,
    }
}

pub(super) fn default_apps(certificate: &RegisteredCertificate) -> Vec<App> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let app = |client_id: &str, name: &str, sp: Option<&str>, consented: bool| App {
        client_id: client_id.into(),
        display_name: name.into(),
        service_principal_id: sp.map(String::from),
        roles: GRAPH_ROLES.map(String::from).to_vec(),
        consented,
        secrets: vec![secret(now + 730 * DAY)],
        certificates: Vec::new(),
        federated_credentials: Vec::new(),
        redirect_uris: vec![CONSENT_REDIRECT_URI.into()],
    };
    let mut consented = app(
        CONSENTED_CLIENT_ID,
        "entrad-daemon",
        Some("0b6f3e52-9a1d-4c7e-8f20-5d3b1a9c7e64"),
        true,
    );
    // An expired secret next to the valid one, so that AADSTS7000222 can be seen.
    consented.secrets.push(secret(now - DAY));
    consented.certificates.push(certificate.clone());
    consented.federated_credentials = default_federated_credentials(CONSENTED_CLIENT_ID);
    vec![
        consented,
        app(
            UNCONSENTED_CLIENT_ID,
            "entrad-unconsented",
            Some("3c8a1f07-6e2b-4d95-a1c4-7f0e9b2d5a38"),
            false,
        ),
        app(
            NO_SERVICE_PRINCIPAL_CLIENT_ID,
            "entrad-no-service-principal",
            None,
            false,
        ),
    ]
}

/// Only the consented app trusts the emulator's issuer (the others show AADSTS70021).
fn default_federated_credentials(client_id: &str) -> Vec<FederatedCredential> {
    if client_id.eq_ignore_ascii_case(CONSENTED_CLIENT_ID) {
        vec![FederatedCredential::workload()]
    } else {
        Vec::new()
    }
}

pub(super) fn app_from_saved(saved: SavedApp, certificate: &RegisteredCertificate) -> App {
    let federated_credentials = saved
        .federated_credentials
        .unwrap_or_else(|| default_federated_credentials(&saved.client_id));
    App {
        client_id: saved.client_id,
        display_name: saved.display_name,
        service_principal_id: saved.service_principal_id,
        roles: saved.roles,
        consented: saved.consented,
        secrets: saved
            .secrets
            .into_iter()
            .map(|s| ClientSecret {
                key_id: s.key_id,
                value: SecretString::from(s.value),
                expires: s.expires,
            })
            .collect(),
        certificates: if saved.has_certificate {
            vec![certificate.clone()]
        } else {
            Vec::new()
        },
        federated_credentials,
        redirect_uris: saved
            .redirect_uris
            .unwrap_or_else(|| vec![CONSENT_REDIRECT_URI.into()]),
    }
}

pub(super) fn saved_app(app: &App) -> SavedApp {
    SavedApp {
        client_id: app.client_id.clone(),
        display_name: app.display_name.clone(),
        service_principal_id: app.service_principal_id.clone(),
        roles: app.roles.clone(),
        consented: app.consented,
        secrets: app
            .secrets
            .iter()
            .map(|s| SavedSecret {
                key_id: s.key_id.clone(),
                value: s.value.expose_secret().to_string(),
                expires: s.expires,
            })
            .collect(),
        has_certificate: !app.certificates.is_empty(),
        federated_credentials: Some(app.federated_credentials.clone()),
        redirect_uris: Some(app.redirect_uris.clone()),
    }
}
