//! The portal's groups: search by display name, a page at a time, with their kind and
//! member count; each group's own page lists its members.

use askama::Template;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::gate::PortalSession;
use super::paging::{SearchQuery, Window};
use super::tenant::{PortalTenant, TenantChoice};
use crate::directories::Directories;
use crate::state::Group;
use crate::web::error_page::ErrorPage;
use crate::web::page::Page;

struct GroupRow {
    id: String,
    name: String,
    kind: &'static str,
    mail: String,
    members: usize,
}

struct MemberRow {
    id: String,
    name: String,
    upn: String,
}

#[derive(Template)]
#[template(path = "portal/groups.html")]
struct Groups {
    csrf: String,
    tenant: TenantChoice,
    q: String,
    w: Window,
    groups: Vec<GroupRow>,
}

#[derive(Template)]
#[template(path = "portal/group.html")]
struct GroupPage {
    csrf: String,
    tenant: TenantChoice,
    group: GroupRow,
    description: String,
    /// The page's own address, for the paging links.
    list: String,
    q: String,
    w: Window,
    members: Vec<MemberRow>,
}

/// A Microsoft 365 group (`Unified`) or a security group, as Entra's portal names them.
fn kind(group: &Group) -> &'static str {
    if group.group_types.iter().any(|t| &**t == "Unified") {
        "Microsoft 365"
    } else if group.security_enabled {
        "Security"
    } else {
        "Distribution"
    }
}

fn row(group: &Group) -> GroupRow {
    GroupRow {
        id: group.id.to_string(),
        name: group.display_name.to_string(),
        kind: kind(group),
        mail: group.mail.as_deref().unwrap_or("").to_string(),
        members: group.members.len(),
    }
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
        .groups
        .all()
        .iter()
        .filter(|g| query.matches([&*g.display_name]))
        .collect();
    let w = Window::new(matching.len(), query.page);
    let groups = w.of(matching).map(row).collect();
    Page::new(&Groups {
        csrf,
        tenant: choice,
        q: query.text(),
        w,
        groups,
    })
    .into_response()
}

/// `GET /groups/{id}`: one group and its members (users, by display name).
pub(crate) async fn one(
    State(directories): State<Arc<Directories>>,
    tenant: PortalTenant,
    Path(id): Path<String>,
    Query(query): Query<SearchQuery>,
    PortalSession(session): PortalSession,
) -> Response {
    let csrf = session.csrf;
    let choice = TenantChoice::new(&directories, tenant);
    let directory = directories.read_at(tenant.0);
    let Some(group) = id
        .parse::<Uuid>()
        .ok()
        .and_then(|id| directory.groups.get(id))
    else {
        return Page::new(&ErrorPage {
            title: "No such group".into(),
            message: format!("No group has the id '{id}': pick one from the groups page."),
        })
        .status(StatusCode::NOT_FOUND)
        .into_response();
    };
    let w = Window::new(group.members.len(), query.page);
    let members = w
        .of(group.members.iter().collect())
        .map(|&member| {
            let user = directory.users.get(member);
            MemberRow {
                id: member.to_string(),
                name: user
                    .and_then(|u| u.display_name.as_deref())
                    .unwrap_or("")
                    .to_string(),
                upn: user.map_or(String::new(), |u| u.user_principal_name.to_string()),
            }
        })
        .collect();
    Page::new(&GroupPage {
        csrf,
        tenant: choice,
        group: row(group),
        description: group.description.as_deref().unwrap_or("").to_string(),
        list: format!("/_emulator/portal/groups/{}", group.id),
        q: query.text(),
        w,
        members,
    })
    .into_response()
}
