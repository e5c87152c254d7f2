//! The portal's fault injector: the faults set now, a form to add one (route, kind,
//! count, Retry-After) and a Remove button each; the same registry as the admin API.

use askama::Template;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::form::{CheckedForm, field};
use super::gate::{PortalSession, ROOT};
use super::tenant::TenantChoice;
use crate::faults::{FaultSpec, Faults};
use crate::route::Route;
use crate::web::error_page::ErrorPage;
use crate::web::page::{Page, see_other};

struct FaultRow {
    id: String,
    route: String,
    kind: String,
    trigger: String,
    retry_after: String,
    fired: String,
}

#[derive(Template)]
#[template(path = "portal/faults.html")]
struct FaultsPage {
    csrf: String,
    tenant: TenantChoice,
    faults: Vec<FaultRow>,
    routes: Vec<&'static str>,
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) async fn page(
    State(faults): State<Arc<Faults>>,
    tenant: TenantChoice,
    PortalSession(session): PortalSession,
) -> Response {
    let csrf = session.csrf;
    let faults = faults
        .list()
        .iter()
        .map(|f| FaultRow {
            id: text(&f["id"]),
            route: text(&f["route"]),
            kind: text(&f["kind"]),
            trigger: match (&f["count"], &f["rate"]) {
                (serde_json::Value::Null, serde_json::Value::Null) => "every request".into(),
                (serde_json::Value::Null, rate) => format!("rate {}", text(rate)),
                (count, _) => format!("{} times", text(count)),
            },
            retry_after: text(&f["retry_after"]),
            fired: text(&f["fired"]),
        })
        .collect();
    let mut routes: Vec<&'static str> = Route::ALL.iter().map(|r| r.name()).collect();
    routes.push("*");
    Page::new(&FaultsPage {
        csrf,
        tenant,
        faults,
        routes,
    })
    .into_response()
}

/// The `--fault` form of the posted fields: `ROUTE:KIND[:count=N][:retry_after=S]`.
fn spec_text(fields: &[(String, String)]) -> String {
    let mut spec = format!(
        "{}:{}",
        field(fields, "route").unwrap_or("").trim(),
        field(fields, "kind").unwrap_or("").trim()
    );
    for name in ["count", "retry_after", "latency_ms"] {
        if let Some(value) = field(fields, name).map(str::trim).filter(|v| !v.is_empty()) {
            spec.push_str(&format!(":{name}={value}"));
        }
    }
    spec
}

pub(crate) async fn add(
    State(faults): State<Arc<Faults>>,
    tenant: TenantChoice,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let back = format!("{ROOT}/faults{}", tenant.query());
    match spec_text(&fields).parse::<FaultSpec>() {
        Ok(spec) => {
            tracing::info!(route = %spec.route, kind = spec.kind.name(), "fault added in the portal");
            faults.add(spec);
            see_other(&back, None)
        }
        Err(e) => Page::new(&ErrorPage {
            title: "Fault not added".into(),
            message: e.to_string(),
        })
        .status(StatusCode::BAD_REQUEST)
        .into_response(),
    }
}

pub(crate) async fn remove(
    State(faults): State<Arc<Faults>>,
    tenant: TenantChoice,
    CheckedForm(fields): CheckedForm,
) -> Response {
    let id = field(&fields, "id").and_then(|id| id.parse().ok());
    if let Some(id) = id {
        faults.remove(id);
    }
    see_other(&format!("{ROOT}/faults{}", tenant.query()), None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_form_becomes_a_fault_flag() {
        let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let spec = super::spec_text(&fields(&[
            ("route", "users"),
            ("kind", "429"),
            ("count", "2"),
            ("retry_after", ""),
        ]));
        assert_eq!(spec, "users:429:count=2");
    }
}
