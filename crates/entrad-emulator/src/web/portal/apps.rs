//! The portal's first page: the tenant and its apps (client ids, consent state,
//! secrets and certificates masked), with Grant and Revoke, and each app's Graph
//! application permissions, changed as `POST /_emulator/consent` with `roles` does.

use askama::Template;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use super::form::{CheckedForm, field};
use super::gate::{PortalSession, ROOT};
use super::tenant::{PortalTenant, TenantChoice};
use crate::clock::unix_now;
use crate::directories::Directories;
use crate::keys::thumbprint_hex;
use crate::state::App;
use crate::web::error_page::ErrorPage;
use crate::web::page::{Page, see_other};
use crate::web::permissions;

/// A Graph application permission on an app's permissions form.
struct RoleChoice {
    name: String,
    description: &'static str,
    checked: bool,
}

struct AppRow {
    client_id: String,
    name: String,
    service_principal: String,
    permissions: String,
    /// The known permissions, then any other the app has, checked where it has them.
    roles: Vec<RoleChoice>,
    consented: bool,
    secrets: Vec<String>,
    certificates: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/apps.html")]
struct Apps {
    csrf: String,
    tenant: TenantChoice,
    tenant_id: String,
    tenant_domain: String,
    tenant_name: String,
    apps: Vec<AppRow>,
}

/// A secret as Entra's portal shows it after creation: its first three characters.
fn masked_secret(value: &str, key_id: &str, expires: i64, now: i64) -> String {
    let hint: String = value.chars().take(3).collect();
    let state = if expires > now { "valid" } else { "expired" };
    let date = time::OffsetDateTime::from_unix_timestamp(expires)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    format!("{hint}************ (id {key_id}, {state}, expires {date})")
}

fn role_choices(roles: &[String]) -> Vec<RoleChoice> {
    let others = roles
        .iter()
        .map(String::as_str)
        .filter(|r| !permissions::KNOWN.contains(r));
    permissions::KNOWN
        .into_iter()
        .chain(others)
        .map(|name| RoleChoice {
            name: name.to_owned(),
            description: permissions::description(name),
            checked: roles.iter().any(|r| r == name),
        })
        .collect()
}

fn row(app: &App, now: i64) -> AppRow {
    AppRow {
        client_id: app.client_id.clone(),
        name: app.display_name.clone(),
        service_principal: app
            .service_principal_id
            .clone()
            .unwrap_or_else(|| "none in this tenant".into()),
        permissions: app.roles.join(", "),
        roles: role_choices(&app.roles),
        consented: app.consented,
        secrets: app
            .secrets
            .iter()
            .map(|s| masked_secret(s.value.expose_secret(), &s.key_id, s.expires, now))
            .collect(),
        certificates: app
            .certificates
            .iter()
            .map(|c| format!("SHA-1 thumbprint {}", thumbprint_hex(c)))
            .collect(),
    }
}

pub(crate) async fn page(
    State(directories): State<Arc<Directories>>,
    tenant: PortalTenant,
    PortalSession(session): PortalSession,
) -> Response {
    let csrf = session.csrf;
    let choice = TenantChoice::new(&directories, tenant);
    let directory = directories.read_at(tenant.0);
    let now = unix_now();
    Page::new(&Apps {
        csrf,
        tenant: choice,
        tenant_id: directory.tenant.id.clone(),
        tenant_domain: directory.tenant.domain.clone(),
        tenant_name: directory.tenant.display_name.clone(),
        apps: directory.apps.iter().map(|a| row(a, now)).collect(),
    })
    .into_response()
}

/// `POST /consent` (`client_id`, `granted` = true|false): grant or revoke.
pub(crate) async fn set_consent(
    State(directories): State<Arc<Directories>>,
    tenant: PortalTenant,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let client_id = field(&fields, "client_id").unwrap_or("");
    let granted = field(&fields, "granted") == Some("true");
    {
        let mut directory = directories.write_at(tenant.0);
        let found = if granted {
            let found = directory.app(client_id).is_some();
            directory.grant_consent(client_id);
            found
        } else {
            directory.set_consent(client_id, false)
        };
        if !found {
            return no_such_app(client_id);
        }
        if let Err(e) = directory.save() {
            tracing::error!("cannot save the state: {e}");
        }
    }
    tracing::info!(client_id, granted, "consent changed in the portal");
    let back = TenantChoice::new(&directories, tenant).query();
    see_other(&format!("{ROOT}/{back}"), None)
}

fn no_such_app(client_id: &str) -> Response {
    Page::new(&ErrorPage {
        title: "No such app".into(),
        message: format!("No app has the client id '{client_id}'."),
    })
    .status(StatusCode::NOT_FOUND)
    .into_response()
}

/// `POST /roles` (`client_id`, `role` once per checked permission): the app's Graph
/// application permissions become the checked ones, consented, as the admin API's
/// `POST /consent` with `"granted": true` and `roles` makes them; tokens issued
/// afterwards carry them.
pub(crate) async fn set_roles(
    State(directories): State<Arc<Directories>>,
    tenant: PortalTenant,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let client_id = field(&fields, "client_id").unwrap_or("");
    let mut roles: Vec<String> = Vec::new();
    for (name, value) in &fields {
        if name == "role" && !value.is_empty() && !roles.contains(value) {
            roles.push(value.clone());
        }
    }
    {
        let mut directory = directories.write_at(tenant.0);
        if !directory.change_consent(client_id, true, Some(roles.clone())) {
            return no_such_app(client_id);
        }
        if let Err(e) = directory.save() {
            tracing::error!("cannot save the state: {e}");
        }
    }
    tracing::info!(client_id, ?roles, "permissions changed in the portal");
    let back = TenantChoice::new(&directories, tenant).query();
    see_other(&format!("{ROOT}/{back}"), None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_masked_secret_shows_three_characters_only() {
        let shown = super::masked_secret("abc8Q~secretsecret", "k1", 10, 5);
        assert!(shown.starts_with("abc****"), "{shown}");
        assert!(!shown.contains("8Q~"), "{shown}");
        assert!(shown.contains("valid"), "{shown}");
    }
}
