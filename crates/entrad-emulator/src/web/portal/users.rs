//! The portal's users: search by name or UPN, a page at a time, with their roles.
//! Groups come with the directory's groups: their page goes beside this one.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::session;
use crate::shared::AppState;
use crate::web::page::Page;

/// Users per page.
const PAGE_SIZE: usize = 25;

#[derive(Deserialize)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: usize,
}

struct UserRow {
    id: String,
    name: String,
    upn: String,
    job_title: String,
    roles: String,
}

#[derive(Template)]
#[template(path = "portal/users.html")]
struct Users {
    csrf: String,
    q: String,
    page: usize,
    total: usize,
    first: usize,
    users: Vec<UserRow>,
    previous: Option<usize>,
    next: Option<usize>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Query(query): Query<UsersQuery>,
    headers: HeaderMap,
) -> Response {
    let csrf = session(&state, &headers).csrf;
    let directory = state.read();
    let needle = query.q.trim().to_lowercase();
    let matching: Vec<_> = directory
        .users
        .all()
        .iter()
        .filter(|u| {
            needle.is_empty()
                || u.user_principal_name.to_lowercase().contains(&needle)
                || u.display_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.min(pages - 1);
    let users = matching
        .iter()
        .skip(page * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|u| UserRow {
            id: u.id.to_string(),
            name: u.display_name.as_deref().unwrap_or("").to_string(),
            upn: u.user_principal_name.to_string(),
            job_title: u.job_title.as_deref().unwrap_or("").to_string(),
            roles: directory.roles_of(u.id).join(", "),
        })
        .collect();
    Page::new(&Users {
        csrf,
        q: query.q.trim().to_string(),
        page,
        total,
        first: page * PAGE_SIZE,
        users,
        previous: page.checked_sub(1),
        next: (page + 1 < pages).then_some(page + 1),
    })
    .into_response()
}
