//! Admin consent in a browser, as Entra does it:
//! `GET /{tenant}[/v2.0]/adminconsent?client_id=..[&redirect_uri=..][&state=..][&scope=..]`
//! shows a sign-in step (pick or type a directory user), then, for a user holding an
//! admin role, the consent page (the app, its publisher domain, each application
//! permission with its description); anyone else sees "Need admin approval". Nothing
//! changes on a GET: sign-in, Accept and Cancel are POSTs of the same URL carrying the
//! session's CSRF token. Accept redirects to `redirect_uri` with
//! `admin_consent=True&tenant=..&state=..`, Cancel with `error=access_denied` and
//! AADSTS65004; a `redirect_uri` the app did not register gets AADSTS50011 on a page,
//! never a redirect; without `redirect_uri` the outcome is a page.

use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use url::Url;
use uuid::Uuid;

use super::error_page::ErrorPage;
use super::page::{Page, see_other};
use super::session::{Session, Sessions};
use super::{csrf, permissions, redirect};
use crate::clock::ests_timestamp;
use crate::directories::Directories;
use crate::state::{Directory, can_consent};
use crate::token::errors::{TokenError, correlation_id};

/// Accounts offered on the sign-in page: the admins first, then other users.
const ACCOUNTS_SHOWN: usize = 6;

#[derive(Deserialize)]
pub(crate) struct ConsentQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// A permission as the consent page lists it.
struct Permission {
    name: String,
    description: &'static str,
}

/// What a consent request names, once checked against the directory.
struct Request {
    client_id: String,
    app_name: String,
    publisher: String,
    permissions: Vec<Permission>,
    tenant_id: String,
    tenant_name: String,
    redirect: Option<Url>,
}

/// Why a consent request is refused before anyone signs in.
enum Refused {
    /// Unknown tenant or app, a bad parameter: the token service's error, on a page.
    Service(TokenError),
    /// AADSTS50011: shown on a page, never a redirect.
    RedirectMismatch {
        redirect_uri: String,
        client_id: String,
    },
}

fn check(directory: &Directory, segment: &str, query: &ConsentQuery) -> Result<Request, Refused> {
    if !directory.tenant.is(segment) {
        return Err(Refused::Service(TokenError::unknown_tenant(
            segment,
            "invalid_tenant",
        )));
    }
    let Some(client_id) = query.client_id.as_deref() else {
        return Err(Refused::Service(TokenError::missing_parameter("client_id")));
    };
    let tenant_name = directory.tenant.display_name.clone();
    let Some(app) = directory.app(client_id) else {
        return Err(Refused::Service(TokenError::app_not_found(
            client_id,
            &tenant_name,
        )));
    };
    let redirect = match query.redirect_uri.as_deref() {
        None => None,
        Some(text) => match Url::parse(text) {
            Ok(url) if redirect::allowed(&app.redirect_uris, &url) => Some(url),
            Ok(_) => {
                return Err(Refused::RedirectMismatch {
                    redirect_uri: text.to_string(),
                    client_id: app.client_id.clone(),
                });
            }
            Err(_) => {
                return Err(Refused::Service(TokenError::new(
                    400,
                    "invalid_request",
                    90102,
                    "'redirect_uri' value must be a valid absolute URI.",
                )));
            }
        },
    };
    Ok(Request {
        client_id: app.client_id.clone(),
        app_name: app.display_name.clone(),
        publisher: directory.tenant.domain.clone(),
        permissions: app
            .roles
            .iter()
            .map(|r| Permission {
                name: r.clone(),
                description: permissions::description(r),
            })
            .collect(),
        tenant_id: directory.tenant.id.clone(),
        tenant_name,
        redirect,
    })
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignIn<'a> {
    app_name: &'a str,
    tenant_name: &'a str,
    action: &'a str,
    csrf: &'a str,
    accounts: Vec<Account>,
    error: Option<String>,
}

struct Account {
    upn: String,
    name: String,
    admin: bool,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct Prompt<'a> {
    request: &'a Request,
    user: &'a str,
    action: &'a str,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "need_admin.html")]
struct NeedAdmin<'a> {
    request: &'a Request,
    user: &'a str,
    action: &'a str,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "outcome.html")]
struct Outcome<'a> {
    title: &'a str,
    message: String,
}

/// The request's path and query: where the page's forms post back to.
fn action_of(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string())
}

/// The page Entra shows a browser when it cannot start signing in.
const TROUBLE: &str = "Sorry, but we're having trouble signing you in.";

fn refused(refusal: Refused, headers: &HeaderMap) -> Response {
    match refusal {
        // A browser asked: the same AADSTS error as the token service's, on a
        // page, with the correlation id a person would quote to support.
        Refused::Service(error) => Page::new(&ErrorPage {
            title: TROUBLE.into(),
            message: format!(
                "{} Correlation ID: {}",
                error.aadsts(),
                correlation_id(headers)
            ),
        })
        .status(error.status())
        .into_response(),
        Refused::RedirectMismatch {
            redirect_uri,
            client_id,
        } => Page::new(&ErrorPage {
            title: TROUBLE.into(),
            message: format!(
                "AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
            ),
        })
        .status(StatusCode::BAD_REQUEST)
        .into_response(),
    }
}

/// The signed-in user of a session, with their UPN and whether they may consent.
fn signed_in(directory: &Directory, session: &Session) -> Option<(Uuid, String, bool)> {
    let user = directory.users.get(session.user?)?;
    let admin = can_consent(directory.roles_of(user.id));
    Some((user.id, user.user_principal_name.to_string(), admin))
}

fn accounts(directory: &Directory) -> Vec<Account> {
    let users = directory.users.all();
    let admins = users
        .iter()
        .filter(|u| can_consent(directory.roles_of(u.id)));
    let others = users
        .iter()
        .filter(|u| !can_consent(directory.roles_of(u.id)));
    admins
        .chain(others)
        .take(ACCOUNTS_SHOWN)
        .map(|u| Account {
            upn: u.user_principal_name.to_string(),
            name: u
                .display_name
                .as_deref()
                .unwrap_or(&u.user_principal_name)
                .to_string(),
            admin: can_consent(directory.roles_of(u.id)),
        })
        .collect()
}

/// The page for where the session is in the flow: sign-in, need-admin or consent.
fn step_page(directory: &Directory, request: &Request, session: &Session, action: &str) -> Page {
    match signed_in(directory, session) {
        None => Page::new(&SignIn {
            app_name: &request.app_name,
            tenant_name: &request.tenant_name,
            action,
            csrf: &session.csrf,
            accounts: accounts(directory),
            error: None,
        }),
        Some((_, upn, false)) => Page::new(&NeedAdmin {
            request,
            user: &upn,
            action,
            csrf: &session.csrf,
        }),
        Some((_, upn, true)) => Page::new(&Prompt {
            request,
            user: &upn,
            action,
            csrf: &session.csrf,
        })
        .form_origin(request.redirect.as_ref().map(redirect::origin)),
    }
}

/// `GET`: the step the session is at. Changes nothing but starting a session.
pub(crate) async fn prompt(
    State(directories): State<Arc<Directories>>,
    State(sessions): State<Arc<Sessions>>,
    Path(segment): Path<String>,
    Query(query): Query<ConsentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let directory = directories.read_for(&segment);
    let request = match check(&directory, &segment, &query) {
        Ok(request) => request,
        Err(refusal) => return refused(refusal, &headers),
    };
    let current = sessions.current(&headers);
    step_page(&directory, &request, &current.session, &action_of(&uri))
        .cookie(current.cookie)
        .into_response()
}

/// The fields of the flow's forms.
#[derive(Default)]
struct Form {
    action: String,
    csrf: Option<String>,
    login: String,
}

fn parse_form(body: &[u8]) -> Form {
    let mut form = Form::default();
    for (name, value) in url::form_urlencoded::parse(body) {
        match &*name {
            "action" => form.action = value.into_owned(),
            "csrf" => form.csrf = Some(value.into_owned()),
            "login" => form.login = value.trim().to_string(),
            _ => {}
        }
    }
    form
}

/// `POST`: sign in, sign out, Accept or Cancel, each only with the session's CSRF token.
pub(crate) async fn submit(
    State(directories): State<Arc<Directories>>,
    State(sessions): State<Arc<Sessions>>,
    Path(segment): Path<String>,
    Query(query): Query<ConsentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = parse_form(&body);
    let current = sessions.current(&headers);
    if !csrf::valid(&current.session, form.csrf.as_deref()) {
        return Page::new(&ErrorPage {
            title: "This form has expired".into(),
            message: "The form did not come from this sign-in session (its CSRF token is missing or stale): open the consent URL again.".into(),
        })
        .status(StatusCode::FORBIDDEN)
        .cookie(current.cookie)
        .into_response();
    }
    let session = current.session;
    let action = action_of(&uri);
    let request = match check(&directories.read_for(&segment), &segment, &query) {
        Ok(request) => request,
        Err(refusal) => return refused(refusal, &headers),
    };
    match form.action.as_str() {
        "signin" => {
            let directory = directories.read_for(&segment);
            let Some(user) = directory.users.find(&form.login) else {
                return Page::new(&SignIn {
                    app_name: &request.app_name,
                    tenant_name: &request.tenant_name,
                    action: &action,
                    csrf: &session.csrf,
                    accounts: accounts(&directory),
                    error: Some(format!(
                        "We couldn't find an account with that username. AADSTS50034: The user account {} does not exist in the {} directory.",
                        form.login, request.tenant_id
                    )),
                })
                .into_response();
            };
            let id = user.id;
            sessions.update(&session.id, |s| s.user = Some(id));
            see_other(&action, None)
        }
        "signout" => {
            sessions.update(&session.id, |s| s.user = None);
            see_other(&action, None)
        }
        "accept" => accept(
            &directories,
            &request,
            &session,
            query.state.as_deref(),
            &action,
        ),
        "cancel" => cancel(&request, query.state.as_deref(), &correlation_id(&headers)),
        _ => Page::new(&ErrorPage {
            title: "Unknown action".into(),
            message: "The form's action must be signin, signout, accept or cancel.".into(),
        })
        .status(StatusCode::BAD_REQUEST)
        .into_response(),
    }
}

fn accept(
    directories: &Directories,
    request: &Request,
    session: &Session,
    app_state: Option<&str>,
    action: &str,
) -> Response {
    {
        let mut directory =
            directories.write_at(directories.tenant_index(&request.tenant_id).unwrap_or(0));
        match signed_in(&directory, session) {
            Some((_, _, true)) => {}
            _ => {
                return step_page(&directory, request, session, action)
                    .status(StatusCode::FORBIDDEN)
                    .into_response();
            }
        }
        directory.grant_consent(&request.client_id);
        if let Err(e) = directory.save() {
            tracing::error!("cannot save the consent: {e}");
        }
    }
    tracing::info!(client_id = %request.client_id, "admin consent granted");
    match &request.redirect {
        Some(url) => back_to_app(
            url,
            &[("admin_consent", "True"), ("tenant", &request.tenant_id)],
            app_state,
        ),
        None => Page::new(&Outcome {
            title: "Permissions granted",
            message: format!(
                "An administrator of {} consented to the permissions requested by {}.",
                request.tenant_name, request.app_name
            ),
        })
        .into_response(),
    }
}

/// The description Entra gives a declined consent (before its trace lines).
const DECLINED: &str = "AADSTS65004: User declined to consent to access the app.";

fn cancel(request: &Request, app_state: Option<&str>, correlation: &str) -> Response {
    tracing::info!(client_id = %request.client_id, "admin consent declined");
    // As Entra's redirects do, the description ends with the trace lines.
    let description = format!(
        "{DECLINED}\r\nTrace ID: {}\r\nCorrelation ID: {correlation}\r\nTimestamp: {}",
        Uuid::new_v4(),
        ests_timestamp()
    );
    match &request.redirect {
        Some(url) => back_to_app(
            url,
            &[
                ("error", "access_denied"),
                ("error_subcode", "cancel"),
                ("error_description", &description),
            ],
            app_state,
        ),
        None => Page::new(&Outcome {
            title: "Permissions not granted",
            message: DECLINED.into(),
        })
        .into_response(),
    }
}

/// The redirect to the app with `pairs` and the app's `state`.
fn back_to_app(url: &Url, pairs: &[(&str, &str)], app_state: Option<&str>) -> Response {
    let mut url = url.clone();
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(s) = app_state {
            query.append_pair("state", s);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_keeps_its_fields_and_ignores_others() {
        let form = parse_form(b"action=signin&csrf=abc&login=+a%40b.c+&x=1");
        assert_eq!(form.action, "signin");
        assert_eq!(form.csrf.as_deref(), Some("abc"));
        assert_eq!(form.login, "a@b.c");
    }
}
