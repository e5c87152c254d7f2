//! The portal's users: search by name or UPN, a page at a time, with their directory
//! roles, and a form to make a user Global Administrator (or no longer): the role
//! that lets them grant admin consent.

use askama::Template;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::form::{CheckedForm, field};
use super::gate::{PortalSession, ROOT};
use super::paging::{SearchQuery, Window};
use super::tenant::{PortalTenant, TenantChoice};
use crate::directories::Directories;
use crate::state::{ChangeError, GLOBAL_ADMINISTRATOR};
use crate::web::error_page::ErrorPage;
use crate::web::page::{Page, see_other};

struct UserRow {
    id: String,
    name: String,
    upn: String,
    job_title: String,
    roles: String,
    admin: bool,
}

#[derive(Template)]
#[template(path = "portal/users.html")]
struct Users {
    csrf: String,
    tenant: TenantChoice,
    q: String,
    w: Window,
    users: Vec<UserRow>,
}

pub(crate) async fn page(
    State(directories): State<Arc<Directories>>,
    tenant: PortalTenant,
    Query(query): Query<SearchQuery>,
    PortalSession(session): PortalSession,
) -> Response {
    let csrf = session.csrf;
    let choice = TenantChoice::new(&directories, tenant);
    let directory = directories.read_at(tenant.0);
    let matching: Vec<_> = directory
        .users
        .all()
        .iter()
        .filter(|u| {
            query.matches([
                &*u.user_principal_name,
                u.display_name.as_deref().unwrap_or(""),
            ])
        })
        .collect();
    let w = Window::new(matching.len(), query.page);
    let users = w
        .of(matching)
        .map(|u| {
            let roles = directory.roles_of(u.id);
            UserRow {
                id: u.id.to_string(),
                name: u.display_name.as_deref().unwrap_or("").to_string(),
                upn: u.user_principal_name.to_string(),
                job_title: u.job_title.as_deref().unwrap_or("").to_string(),
                roles: roles.join(", "),
                admin: roles.iter().any(|r| r == GLOBAL_ADMINISTRATOR),
            }
        })
        .collect();
    Page::new(&Users {
        csrf,
        tenant: choice,
        q: query.text(),
        w,
        users,
    })
    .into_response()
}

/// `POST /users/roles` (`user` = id, `admin` = true|false, and the list's `q` and
/// `page` to return to): gives or takes the Global Administrator role, keeping the
/// user's other roles; the same state call as the admin API's `PUT /users/{id}/roles`.
pub(crate) async fn set_admin(
    State(directories): State<Arc<Directories>>,
    tenant: PortalTenant,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let user = field(&fields, "user").unwrap_or("");
    let admin = field(&fields, "admin") == Some("true");
    {
        let mut directory = directories.write_at(tenant.0);
        let roles = match directory.users.find(user) {
            Some(u) => {
                let mut roles: Vec<String> = directory
                    .roles_of(u.id)
                    .iter()
                    .filter(|r| *r != GLOBAL_ADMINISTRATOR)
                    .cloned()
                    .collect();
                if admin {
                    roles.push(GLOBAL_ADMINISTRATOR.to_string());
                }
                roles
            }
            None => Vec::new(),
        };
        match directory.set_roles(user, roles) {
            Ok(id) => tracing::info!(%id, admin, "directory roles changed in the portal"),
            Err(ChangeError::NotFound | ChangeError::Invalid(_)) => {
                return Page::new(&ErrorPage {
                    title: "No such user".into(),
                    message: format!("No user has the id '{user}'."),
                })
                .status(StatusCode::NOT_FOUND)
                .into_response();
            }
        }
        if let Err(e) = directory.save() {
            tracing::error!("cannot save the state: {e}");
        }
    }
    let back: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", field(&fields, "q").unwrap_or(""))
        .append_pair("page", field(&fields, "page").unwrap_or("0"))
        .finish();
    let tenant = TenantChoice::new(&directories, tenant).and();
    see_other(&format!("{ROOT}/users?{back}{tenant}"), None)
}
