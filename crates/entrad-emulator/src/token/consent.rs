//! `GET /{tenant}/adminconsent?client_id=...`: what an admin clicking "Accept" does.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::{TokenError, correlation_id};
use crate::shared::AppState;

#[derive(Deserialize)]
pub(crate) struct ConsentQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// Grants the app's permissions (creating its service principal if it had none) and
/// redirects to `redirect_uri` as Entra does, or shows a page.
pub(crate) async fn admin_consent(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(query): Query<ConsentQuery>,
    headers: HeaderMap,
) -> Response {
    let correlation = correlation_id(&headers);
    let mut directory = state.write();
    if !directory.tenant.is(&segment) {
        return TokenError::unknown_tenant(&segment, "invalid_tenant").respond(&correlation);
    }
    let Some(client_id) = query.client_id else {
        return TokenError::missing_parameter("client_id").respond(&correlation);
    };
    let tenant_id = directory.tenant.id.clone();
    let tenant_name = directory.tenant.display_name.clone();
    let Some(app) = directory
        .apps
        .iter_mut()
        .find(|a| a.client_id.eq_ignore_ascii_case(&client_id))
    else {
        return TokenError::app_not_found(&client_id, &tenant_name).respond(&correlation);
    };
    app.consented = true;
    if app.service_principal_id.is_none() {
        app.service_principal_id = Some(Uuid::new_v4().to_string());
    }
    let name = app.display_name.clone();
    if let Err(e) = directory.save() {
        tracing::error!("cannot save the consent: {e}");
    }
    drop(directory);
    tracing::info!(client_id = %client_id, "admin consent granted");
    match query.redirect_uri {
        Some(redirect) => {
            let Ok(mut url) = url::Url::parse(&redirect) else {
                return TokenError::new(
                    400,
                    "invalid_request",
                    90102,
                    "'redirect_uri' value must be a valid absolute URI.",
                )
                .respond(&correlation);
            };
            url.query_pairs_mut()
                .append_pair("admin_consent", "True")
                .append_pair("tenant", &tenant_id);
            if let Some(s) = query.state {
                url.query_pairs_mut().append_pair("state", &s);
            }
            (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
        }
        None => Html(format!(
            "<!DOCTYPE html><html><head><title>Permissions granted</title></head><body>\
             <h1>Permissions granted</h1><p>An administrator of {} consented to the permissions \
             requested by {}.</p></body></html>",
            escape(&tenant_name),
            escape(&name)
        ))
        .into_response(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
