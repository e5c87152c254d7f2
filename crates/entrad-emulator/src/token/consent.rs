//! `/{tenant}/adminconsent?client_id=...`: a GET shows what the app asks for and a form;
//! only its POST (an admin clicking "Accept") grants, so that a page a developer merely
//! opens cannot flip consent.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::{TokenError, correlation_id};
use crate::shared::AppState;
use crate::state::Directory;

#[derive(Deserialize)]
pub(crate) struct ConsentQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// What a consent request names, once checked against the directory.
struct Request {
    client_id: String,
    app_name: String,
    roles: Vec<String>,
    tenant_id: String,
    tenant_name: String,
    redirect: Option<url::Url>,
}

fn check(
    directory: &Directory,
    segment: &str,
    query: &ConsentQuery,
) -> Result<Request, TokenError> {
    if !directory.tenant.is(segment) {
        return Err(TokenError::unknown_tenant(segment, "invalid_tenant"));
    }
    let Some(client_id) = query.client_id.as_deref() else {
        return Err(TokenError::missing_parameter("client_id"));
    };
    let tenant_name = directory.tenant.display_name.clone();
    let Some(app) = directory.app(client_id) else {
        return Err(TokenError::app_not_found(client_id, &tenant_name));
    };
    let redirect = match query.redirect_uri.as_deref().map(url::Url::parse) {
        None => None,
        Some(Ok(url)) => Some(url),
        Some(Err(_)) => {
            return Err(TokenError::new(
                400,
                "invalid_request",
                90102,
                "'redirect_uri' value must be a valid absolute URI.",
            ));
        }
    };
    Ok(Request {
        client_id: app.client_id.clone(),
        app_name: app.display_name.clone(),
        roles: app.roles.clone(),
        tenant_id: directory.tenant.id.clone(),
        tenant_name,
        redirect,
    })
}

/// `GET`: the consent prompt. Changes nothing.
pub(crate) async fn prompt(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(query): Query<ConsentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let correlation = correlation_id(&headers);
    let request = match check(&state.read_for(&segment), &segment, &query) {
        Ok(request) => request,
        Err(error) => return error.respond(&correlation),
    };
    let action = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let permissions: String = request
        .roles
        .iter()
        .map(|role| format!("<li>{}</li>", escape(role)))
        .collect();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Permissions requested</title></head><body>\
         <h1>Permissions requested</h1>\
         <p>{} ({}) asks an administrator of {} to grant these application permissions:</p>\
         <ul>{permissions}</ul>\
         <form method=\"post\" action=\"{}\"><button type=\"submit\">Accept</button></form>\
         </body></html>",
        escape(&request.app_name),
        escape(&request.client_id),
        escape(&request.tenant_name),
        escape(&action),
    ))
    .into_response()
}

/// `POST` (the prompt's Accept): grants the app's permissions (creating its service
/// principal if it had none) and redirects to `redirect_uri` as Entra does, or shows a page.
pub(crate) async fn accept(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(query): Query<ConsentQuery>,
    headers: HeaderMap,
) -> Response {
    let correlation = correlation_id(&headers);
    let request = {
        let mut directory = state.write_at(state.tenant_index(&segment).unwrap_or(0));
        let request = match check(&directory, &segment, &query) {
            Ok(request) => request,
            Err(error) => return error.respond(&correlation),
        };
        if let Some(app) = directory
            .apps
            .iter_mut()
            .find(|a| a.client_id == request.client_id)
        {
            app.consented = true;
            if app.service_principal_id.is_none() {
                app.service_principal_id = Some(Uuid::new_v4().to_string());
            }
        }
        if let Err(e) = directory.save() {
            tracing::error!("cannot save the consent: {e}");
        }
        request
    };
    tracing::info!(client_id = %request.client_id, "admin consent granted");
    match request.redirect {
        Some(mut url) => {
            url.query_pairs_mut()
                .append_pair("admin_consent", "True")
                .append_pair("tenant", &request.tenant_id);
            if let Some(s) = query.state {
                url.query_pairs_mut().append_pair("state", &s);
            }
            (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
        }
        None => Html(format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Permissions granted</title></head><body>\
             <h1>Permissions granted</h1><p>An administrator of {} consented to the permissions \
             requested by {}.</p></body></html>",
            escape(&request.tenant_name),
            escape(&request.app_name)
        ))
        .into_response(),
    }
}

/// Text for HTML content and quoted attribute values.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_text_cannot_open_tags_or_leave_attributes() {
        assert_eq!(
            escape(r#"/x?a="><script>'&"#),
            "/x?a=&quot;&gt;&lt;script&gt;&#39;&amp;"
        );
    }
}
