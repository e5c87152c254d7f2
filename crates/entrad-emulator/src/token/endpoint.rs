//! `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant, with a client
//! secret (form or HTTP Basic) or a client assertion.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use uuid::Uuid;

use super::errors::{TokenError, correlation_id, ests_headers};
use super::mint::{self, ClientAuth};
use super::resource::{self, Resource};
use super::{assertion, federated};
use crate::base_url::{BaseUrl, Origin};
use crate::cae::Events;
use crate::clock::unix_now;
use crate::directories::Directories;
use crate::keys::SigningKey;
use crate::shared::AppState;
use crate::state::{Directory, SecretCheck};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const RESERVED_TENANTS: [&str; 3] = ["common", "organizations", "consumers"];

#[derive(Serialize)]
struct Success {
    token_type: &'static str,
    expires_in: i64,
    ext_expires_in: i64,
    access_token: String,
}

/// The form fields this endpoint reads; secrets are wrapped at once.
#[derive(Default)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    client_secret: Option<SecretString>,
    client_assertion_type: Option<String>,
    client_assertion: Option<SecretString>,
    /// Requested claims: client capabilities (`cp1`) and claims challenges.
    claims: Option<String>,
}

impl TokenForm {
    /// Parses the form body; the first occurrence of a field wins, unknown fields are ignored.
    pub(crate) fn parse(body: &[u8]) -> TokenForm {
        let mut form = TokenForm::default();
        for (key, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "grant_type" if form.grant_type.is_none() => form.grant_type = Some(value),
                "client_id" if form.client_id.is_none() => form.client_id = Some(value),
                "scope" if form.scope.is_none() => form.scope = Some(value),
                "client_secret" if form.client_secret.is_none() => {
                    form.client_secret = Some(SecretString::from(value))
                }
                "client_assertion_type" if form.client_assertion_type.is_none() => {
                    form.client_assertion_type = Some(value)
                }
                "claims" if form.claims.is_none() => form.claims = Some(value),
                "client_assertion" if form.client_assertion.is_none() => {
                    form.client_assertion = Some(SecretString::from(value))
                }
                _ => {}
            }
        }
        form
    }

    /// Who the client says it is, for throttling: `client_id`, or the assertion's subject.
    pub(crate) fn claimed_client(&self) -> Option<String> {
        self.client_id.clone().or_else(|| {
            self.client_assertion
                .as_ref()
                .and_then(|a| assertion::subject(a.expose_secret()))
        })
    }
}

/// `Authorization: Basic base64(urlencode(client_id):urlencode(secret))` (RFC 6749 2.3.1).
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, SecretString)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    // Form-urlencoding undone on the value alone: a raw `&` or `=` a client
    // failed to encode stays part of it.
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|v| v.into_owned())
    };
    Some((unescape(id)?, SecretString::from(unescape(secret)?)))
}

/// What tokens are issued with: the key that signs them, the CAE events that
/// refuse a disabled app, and the configured address (which assertions may name,
/// and which names Graph as a resource).
#[derive(Clone)]
pub(crate) struct Issuer {
    signing: Arc<SigningKey>,
    events: Arc<Events>,
    origin: Arc<Origin>,
}

impl FromRef<AppState> for Issuer {
    fn from_ref(state: &AppState) -> Issuer {
        Issuer {
            signing: state.signing.clone(),
            events: state.cae.clone(),
            origin: state.origin.clone(),
        }
    }
}

/// The handler.
pub(crate) async fn token(
    State(directories): State<Arc<Directories>>,
    State(issuer): State<Issuer>,
    Path(tenant): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let correlation = correlation_id(&headers);
    let form = TokenForm::parse(&body);
    let result = {
        let directory = directories.read_for(&tenant);
        issue(&issuer, &directory, &tenant, &base, &headers, form)
    };
    match result {
        Ok(success) => {
            let trace_id = Uuid::new_v4().to_string();
            let mut response = axum::Json(success).into_response();
            ests_headers(&mut response, &trace_id, &correlation);
            response
        }
        Err(error) => error.respond(&correlation),
    }
}

fn issue(
    issuer: &Issuer,
    directory: &Directory,
    tenant: &str,
    base: &str,
    headers: &HeaderMap,
    form: TokenForm,
) -> Result<Success, TokenError> {
    if RESERVED_TENANTS
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
    {
        return Err(TokenError::no_tenant_information());
    }
    if !directory.tenant.is(tenant) {
        return Err(TokenError::unknown_tenant(tenant, "invalid_request"));
    }
    let grant_type = form
        .grant_type
        .as_deref()
        .ok_or_else(|| TokenError::missing_parameter("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(TokenError::unsupported_grant_type(grant_type));
    }
    let basic = basic_credentials(headers);
    let client_id = basic
        .as_ref()
        .map(|(id, _)| id.clone())
        .or_else(|| form.claimed_client())
        .ok_or_else(|| TokenError::missing_parameter("client_id"))?;
    let app = directory
        .app(&client_id)
        .ok_or_else(|| TokenError::app_not_found(&client_id, &directory.tenant.display_name))?;
    if app.service_principal_id.is_none() {
        return Err(TokenError::no_service_principal(
            &app.client_id,
            &directory.tenant.id,
        ));
    }
    crate::cae::admit(&issuer.events, app, form.claims.as_deref())?;
    let scope = form
        .scope
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| TokenError::missing_parameter("scope"))?;
    let resource = check_scope(scope, &directory.tenant.display_name, |r| {
        resource::identify(&issuer.origin, r)
    })?;
    let now = unix_now();
    let auth = if let Some(assertion) = &form.client_assertion {
        if form.client_assertion_type.as_deref() != Some(JWT_BEARER) {
            return Err(TokenError::missing_parameter("client_assertion_type"));
        }
        let audiences = token_urls(
            base,
            tenant,
            &directory.tenant.id,
            &directory.tenant.domain,
            &issuer.origin.base_url,
        );
        let assertion = assertion.expose_secret();
        if federated::is_federated(assertion, &app.client_id) {
            let oidc_issuer = crate::oidc::issuer(&issuer.origin.base_url);
            federated::verify(assertion, app, &oidc_issuer, &issuer.signing, now as f64)?;
        } else {
            assertion::verify(assertion, app, &audiences, now as f64)?;
        }
        ClientAuth::Assertion
    } else if let Some(secret) = basic.map(|(_, s)| s).or(form.client_secret) {
        match app.check_secret(secret.expose_secret(), now) {
            SecretCheck::Valid => ClientAuth::Secret,
            SecretCheck::Expired => return Err(TokenError::expired_secret(&app.client_id)),
            SecretCheck::Wrong => return Err(TokenError::wrong_secret(&app.client_id)),
        }
    } else {
        return Err(TokenError::no_credentials());
    };
    let mut claims = mint::claims(&directory.tenant.id, app, auth, now);
    resource.apply(&mut claims);
    let lifetime = crate::cae::issue(&mut claims, form.claims.as_deref(), now);
    let access_token = mint::sign(&issuer.signing, &claims).ok_or_else(|| {
        TokenError::new(500, "server_error", 50000, "The token could not be signed.")
    })?;
    Ok(Success {
        token_type: "Bearer",
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token,
    })
}

/// Client credentials need exactly one resource, as `{resource}/.default`, one that
/// `identify` knows (Graph or ARM).
fn check_scope(
    scope: &str,
    tenant_name: &str,
    identify: impl Fn(&str) -> Option<Resource>,
) -> Result<Resource, TokenError> {
    let mut resource: Option<&str> = None;
    for item in scope.split_whitespace() {
        let Some(r) = item.strip_suffix("/.default") else {
            return Err(TokenError::scope_needs_default(scope));
        };
        match resource {
            Some(seen)
                if !seen
                    .trim_end_matches('/')
                    .eq_ignore_ascii_case(r.trim_end_matches('/')) =>
            {
                return Err(TokenError::invalid_scope(scope));
            }
            _ => resource = Some(r),
        }
    }
    let resource = resource.unwrap_or_default();
    identify(resource)
        .ok_or_else(|| TokenError::resource_not_found(resource.trim_end_matches('/'), tenant_name))
}

/// The URLs of this token endpoint an assertion's `aud` may name: the tenant as
/// requested, by GUID or by domain, under the host the client used or the configured one.
fn token_urls(
    base: &str,
    requested: &str,
    tenant_id: &str,
    domain: &str,
    configured: &str,
) -> Vec<String> {
    let mut urls = Vec::new();
    for host in [base, configured] {
        for tenant in [requested, tenant_id, domain] {
            urls.push(format!("{host}/{tenant}/oauth2/v2.0/token"));
            urls.push(format!("{host}/{tenant}/oauth2/token"));
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Graph by URI or app id, and ARM; nothing else.
    fn known(r: &str) -> Option<Resource> {
        let r = r.trim_end_matches('/');
        match r {
            "https://graph.microsoft.com" | "00000003-0000-0000-c000-000000000000" => {
                Some(Resource::Graph { audience: r.into() })
            }
            "https://management.core.windows.net" => Some(Resource::Arm { audience: r.into() }),
            _ => None,
        }
    }

    #[test]
    fn scope_rules() {
        let check = |s: &str| check_scope(s, "t", known);
        assert!(check("https://graph.microsoft.com/.default").is_ok());
        assert!(check("https://graph.microsoft.com//.default").is_ok());
        assert!(check("00000003-0000-0000-c000-000000000000/.default").is_ok());
        assert!(matches!(
            check("https://management.core.windows.net//.default"),
            Ok(Resource::Arm { .. })
        ));
        let code = |s: &str| format!("{:?}", check(s).unwrap_err());
        assert!(code("User.Read.All").contains("1002012"));
        assert!(code("openid").contains("1002012"));
        assert!(
            code("https://graph.microsoft.com/.default https://other.example/.default")
                .contains("70011")
        );
        assert!(code("https://other.example/.default").contains("500011"));
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode("app%3A1:s%2Bx~"));
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        let (id, secret) = basic_credentials(&headers).unwrap();
        assert_eq!(id, "app:1");
        assert_eq!(secret.expose_secret(), "s+x~");
    }

    #[test]
    fn a_raw_ampersand_or_equals_sign_in_basic_credentials_is_kept() {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode("app&1:a&b=c+d%2B"));
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        let (id, secret) = basic_credentials(&headers).unwrap();
        assert_eq!(id, "app&1");
        assert_eq!(secret.expose_secret(), "a&b=c d+");
    }
}
