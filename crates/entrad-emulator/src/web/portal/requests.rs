//! The live view: the recent requests to the token service and Graph, with status
//! and latency; `live.js` (served from the emulator, as the policy demands) asks
//! `requests.json?after=SEQ` every second and adds the new rows.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::session;
use super::tenant::{PortalTenant, TenantChoice};
use crate::shared::AppState;
use crate::web::page::Page;
use crate::web::recent::Served;

#[derive(Template)]
#[template(path = "portal/requests.html")]
struct Requests {
    csrf: String,
    tenant: TenantChoice,
    requests: Vec<Served>,
    last: u64,
}

#[derive(Deserialize)]
pub(crate) struct After {
    #[serde(default)]
    after: u64,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    tenant: PortalTenant,
    headers: HeaderMap,
) -> Response {
    let csrf = session(&state, &headers).csrf;
    let tenant = TenantChoice::new(&state, tenant);
    let requests = state.web.recent.after(0);
    let last = requests.first().map_or(0, |r| r.seq);
    Page::new(&Requests {
        csrf,
        tenant,
        requests,
        last,
    })
    .into_response()
}

/// `GET requests.json?after=SEQ`: `{"requests":[..]}`, newest first.
pub(crate) async fn json(State(state): State<AppState>, Query(after): Query<After>) -> Response {
    let mut response =
        axum::Json(serde_json::json!({ "requests": state.web.recent.after(after.after) }))
            .into_response();
    crate::web::headers::secure(response.headers_mut(), None);
    response
}
