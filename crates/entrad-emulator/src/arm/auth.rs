//! The bearer token check of the ARM routes: signed by the token service, issued by a
//! tenant of the emulator (v1 issuer), for ARM, in its lifetime. Codes and messages are
//! ARM's as clients meet them (ARM documents none of them).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use super::error::ArmError;
use crate::base_url::Origin;
use crate::clock::unix_now;
use crate::directories::Directories;
use crate::keys::SigningKey;
use crate::token::jws::{self, date_claim};
use crate::token::mint::v1_issuer;
use crate::token::resource::is_arm_audience;

/// Clock skew tolerated on `exp` and `nbf`.
const SKEW_SECS: f64 = 300.0;

/// The caller of an ARM route: extracting it checks the bearer token (ARM's 401s).
pub(crate) struct Caller {
    /// The token's `appid`.
    pub(crate) appid: String,
    /// The token's tenant.
    pub(crate) tenant_id: String,
}

fn unauthorized(code: &'static str, message: &str) -> ArmError {
    ArmError::new(StatusCode::UNAUTHORIZED, code, message)
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<Directories>: FromRef<S>,
    Arc<SigningKey>: FromRef<S>,
    Arc<Origin>: FromRef<S>,
{
    type Rejection = ArmError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Caller, ArmError> {
        let verifier = Verifier {
            signing: &Arc::from_ref(state),
            directories: &Arc::from_ref(state),
            origin: &Arc::from_ref(state),
        };
        authenticate(verifier, &parts.headers)
    }
}

/// What an ARM token is checked against: the key that signs tokens, the tenants that
/// issue them and the emulator's own address (an audience that names Graph, not ARM).
struct Verifier<'a> {
    signing: &'a SigningKey,
    directories: &'a Directories,
    origin: &'a Origin,
}

/// The caller, or ARM's 401.
fn authenticate(verifier: Verifier<'_>, headers: &HeaderMap) -> Result<Caller, ArmError> {
    let Verifier {
        signing,
        directories,
        origin,
    } = verifier;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    let invalid = || unauthorized("InvalidAuthenticationToken", "The access token is invalid.");
    let Some(jws) = jws::parse(token) else {
        return Err(invalid());
    };
    if !signing.signed(&jws) {
        return Err(invalid());
    }
    let claims = &jws.claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let Some(tenant) = directories.tenant_index(text("tid")) else {
        return Err(invalid());
    };
    let tenant_id = directories.read_at(tenant).tenant.id.clone();
    if text("iss") != v1_issuer(&tenant_id) {
        return Err(unauthorized(
            "InvalidAuthenticationTokenTenant",
            "The access token is from the wrong issuer.",
        ));
    }
    if !is_arm_audience(origin, text("aud")) {
        return Err(unauthorized(
            "InvalidAuthenticationTokenAudience",
            &format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                text("aud")
            ),
        ));
    }
    let now = unix_now() as f64;
    let expired = date_claim(claims, "exp").is_none_or(|exp| now > exp + SKEW_SECS);
    let early = date_claim(claims, "nbf").is_some_and(|nbf| nbf > now + SKEW_SECS);
    if expired || early {
        return Err(unauthorized(
            "ExpiredAuthenticationToken",
            "The access token is not valid at the current time.",
        ));
    }
    Ok(Caller {
        appid: text("appid").to_string(),
        tenant_id,
    })
}
