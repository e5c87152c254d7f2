//! The live view: the recent requests to the token service and Graph, with status
//! and latency; `live.js` (served from the emulator, as the policy demands) asks
//! `requests.json?after=SEQ` every second and adds the new rows.

use askama::Template;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::gate::PortalSession;
use super::tenant::TenantChoice;
use crate::web::page::Page;
use crate::web::recent::{Recent, Served};

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
    State(recent): State<Arc<Recent>>,
    tenant: TenantChoice,
    PortalSession(session): PortalSession,
) -> Response {
    let csrf = session.csrf;
    let requests = recent.after(0);
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
pub(crate) async fn json(
    State(recent): State<Arc<Recent>>,
    Query(after): Query<After>,
) -> Response {
    let mut response =
        axum::Json(serde_json::json!({ "requests": recent.after(after.after) })).into_response();
    crate::web::headers::secure(response.headers_mut(), None);
    response
}
