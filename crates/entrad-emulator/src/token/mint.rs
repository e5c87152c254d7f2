//! Issuing app-only access tokens: RS256 JWTs with the v1 claims Graph expects.

use rand::RngCore;
use ring::rand::SystemRandom;
use ring::signature::RSA_PKCS1_SHA256;
use serde::Serialize;
use uuid::Uuid;

use super::jws::encode;
use crate::keys::SigningKey;
use crate::state::App;

/// Lifetime of issued tokens, as `expires_in` reports it.
pub(crate) const LIFETIME_SECS: i64 = 3599;
/// `iat`/`nbf` are set this far in the past, as Entra does for clock skew.
pub(crate) const BACKDATE_SECS: i64 = 300;
/// The audience of Graph tokens.
pub(crate) const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Graph's well-known application id (also accepted as audience).
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

#[derive(Serialize)]
struct Header<'a> {
    typ: &'static str,
    alg: &'static str,
    x5t: &'a str,
    kid: &'a str,
}

/// How the client proved itself (`appidacr`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ClientAuth {
    Secret,
    /// A client assertion: signed with the app's certificate, or federated (`"2"` both).
    Assertion,
}

/// The issuer of v1 tokens for a tenant.
pub(crate) fn v1_issuer(tenant_id: &str) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}

fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    encode(&bytes)
}

/// Signs `claims` with the token-signing key.
pub(crate) fn sign(signing: &SigningKey, claims: &serde_json::Value) -> Option<String> {
    let header = Header {
        typ: "JWT",
        alg: "RS256",
        x5t: signing.kid(),
        kid: signing.kid(),
    };
    let input = format!(
        "{}.{}",
        encode(&serde_json::to_vec(&header).ok()?),
        encode(&serde_json::to_vec(claims).ok()?)
    );
    let key = signing.key_pair();
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .ok()?;
    Some(format!("{input}.{}", encode(&signature)))
}

/// The claims of an app-only token for Graph, issued now.
pub(crate) fn claims(tenant_id: &str, app: &App, auth: ClientAuth, now: i64) -> serde_json::Value {
    let issuer = v1_issuer(tenant_id);
    let object_id = app.service_principal_id.clone().unwrap_or_default();
    let mut claims = serde_json::json!({
        "aud": GRAPH_AUDIENCE,
        "iss": issuer,
        "iat": now - BACKDATE_SECS,
        "nbf": now - BACKDATE_SECS,
        "exp": now + LIFETIME_SECS,
        "aio": random_b64(42),
        "app_displayname": app.display_name,
        "appid": app.client_id,
        "appidacr": match auth { ClientAuth::Secret => "1", ClientAuth::Assertion => "2" },
        "idp": issuer,
        "idtyp": "app",
        "oid": object_id,
        "rh": format!("0.A{}.", random_b64(40)),
        "sub": object_id,
        "tenant_region_scope": "EU",
        "tid": tenant_id,
        "uti": random_b64(16),
        "ver": "1.0",
        "wids": ["0997a1d0-0d1d-4acb-b408-d5ca73121e90"],
        "xms_idrel": "7 2",
        "xms_tcdt": 1_600_000_000,
    });
    let roles = app.granted_roles();
    if !roles.is_empty() {
        claims["roles"] = serde_json::json!(roles);
    }
    if let Some(map) = claims.as_object_mut() {
        map.insert("xms_ftd".into(), Uuid::new_v4().simple().to_string().into());
    }
    claims
}
