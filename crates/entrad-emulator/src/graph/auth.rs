//! The bearer token check every Graph request passes: signature, issuer, audience,
//! lifetime, then the role (401 and 403 exactly as Graph answers them).

use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::reply::{GraphCtx, Reply};
use crate::base_url::Origin;
use crate::cae::Events;
use crate::clock::unix_now;
use crate::directories::Directories;
use crate::keys::SigningKey;
use crate::token::jws::{self, date_claim};
use crate::token::mint::{GRAPH_APP_ID, v1_issuer};

/// Any of these application permissions allows reading users.
pub(crate) const USER_ROLES: [&str; 4] = [
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Any of these application permissions allows reading groups and their members.
pub(crate) const GROUP_ROLES: [&str; 5] = [
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Clock skew Graph tolerates on `exp` and `nbf`.
const SKEW_SECS: f64 = 300.0;

/// Who is calling, once the token is accepted.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) appid: String,
    /// The number of the tenant that issued the token (its `tid`).
    pub(crate) tenant: usize,
    roles: Vec<String>,
}

impl Caller {
    /// Graph's 403 when the token carries none of `allowed` (e.g. [`USER_ROLES`]).
    pub(crate) fn require_any(&self, allowed: &[&str], ctx: &GraphCtx) -> Result<(), Reply> {
        if self.roles.iter().any(|r| allowed.contains(&r.as_str())) {
            return Ok(());
        }
        Err(Reply::error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            ctx,
        ))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The caller's `appid` read without verification: only to key throttling.
pub(crate) fn unverified_appid(headers: &HeaderMap) -> Option<String> {
    let claims = jws::unverified_claims(bearer(headers)?)?;
    claims
        .get("appid")
        .and_then(Value::as_str)
        .map(String::from)
}

fn unauthorized(message: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(401, "InvalidAuthenticationToken", message, ctx).with_header(
        "www-authenticate",
        format!(
            "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\"",
            ctx.base
        ),
    )
}

/// What a bearer token is checked against: the key that signs tokens, the
/// tenants that issue them, the CAE events that revoke them and the emulator's
/// own address (an audience that names Graph).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verifier<'a> {
    pub(crate) signing: &'a SigningKey,
    pub(crate) directories: &'a Directories,
    pub(crate) events: &'a Events,
    pub(crate) origin: &'a Origin,
}

/// Checks the request's bearer token (401s); roles are checked per request with
/// [`Caller::require_any`] (403s).
pub(crate) fn authenticate(
    verifier: Verifier<'_>,
    headers: &HeaderMap,
    ctx: &GraphCtx,
) -> Result<Caller, Reply> {
    let Verifier {
        signing,
        directories,
        events,
        origin,
    } = verifier;
    let Some(token) = bearer(headers) else {
        return Err(unauthorized("Access token is empty.", ctx));
    };
    let Some(jws) = jws::parse(token) else {
        return Err(unauthorized(
            "CompactToken parsing failed with error code: 80049217",
            ctx,
        ));
    };
    if !signing.signed(&jws) {
        return Err(unauthorized(
            "Access token validation failure. Invalid signature.",
            ctx,
        ));
    }
    let claims = &jws.claims;
    // The token's tenant (by `tid`), whose issuer it must then carry.
    let tenant = claims
        .get("tid")
        .and_then(Value::as_str)
        .and_then(|tid| directories.tenant_index(tid))
        .unwrap_or(0);
    let tenant_id = directories.read_at(tenant).tenant.id.clone();
    if claims.get("iss").and_then(Value::as_str) != Some(v1_issuer(&tenant_id).as_str()) {
        return Err(unauthorized(
            "Access token validation failure. Invalid issuer.",
            ctx,
        ));
    }
    let aud = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !crate::token::resource::is_graph_audience(origin, aud) {
        return Err(unauthorized(
            "Access token validation failure. Invalid audience.",
            ctx,
        ));
    }
    let now = unix_now() as f64;
    if date_claim(claims, "exp").is_none_or(|exp| now > exp + SKEW_SECS) {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
            ctx,
        ));
    }
    if date_claim(claims, "nbf").is_some_and(|nbf| nbf > now + SKEW_SECS) {
        return Err(unauthorized(
            "Lifetime validation failed, the token is not yet valid.",
            ctx,
        ));
    }
    if let Some(challenge) = crate::cae::challenge(events, claims, ctx) {
        return Err(challenge);
    }
    let roles = claims
        .get("roles")
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok(Caller {
        tenant,
        appid: claims
            .get("appid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        roles,
    })
}
