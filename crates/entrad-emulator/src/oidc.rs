//! The emulator as an external OIDC issuer, as a Kubernetes cluster's service-account
//! issuer is for workload identity: a discovery document and a JWKS under
//! `/_emulator/oidc`, and the tokens a cluster projects into a pod (what
//! `AZURE_FEDERATED_TOKEN_FILE` points at). The consented app trusts this issuer
//! through its federated identity credential.
//!
//! Its tokens are signed with the token-signing key (published here under the same
//! `kid`): a second key would cost another RSA key generation on every fresh state
//! directory and test nothing more, since the token endpoint still verifies each
//! federated token against this issuer's JWKS, not against the tenant's.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::base_url::Origin;
use crate::clock::unix_now;
use crate::error::{Error, Result};
use crate::files::{StateDir, names, write_atomic};
use crate::keys::SigningKey;
use crate::state::{TOKEN_EXCHANGE_AUDIENCE, WORKLOAD_SUBJECT};
use crate::token::mint;

/// Where the issuer lives under the emulator's URL.
const PATH: &str = "/_emulator/oidc";
/// The JWKS path under the issuer, as Kubernetes serves it.
const JWKS_PATH: &str = "/openid/v1/jwks";
/// Lifetime of the token written into the state directory at start.
const TOKEN_FILE_LIFETIME_SECS: i64 = 86_400;

/// The issuer URL (`iss`): always under the configured `127.0.0.1` URL, whatever name a
/// client used, since federated credentials match the issuer exactly.
pub(crate) fn issuer(base_url: &str) -> String {
    format!("{base_url}{PATH}")
}

/// The claims of a service-account token for `subject`, valid for `lifetime_secs` from now.
pub(crate) fn claims(issuer: &str, subject: &str, audience: &str, lifetime_secs: i64) -> Value {
    let now = unix_now();
    json!({
        "aud": [audience],
        "exp": now + lifetime_secs,
        "iat": now,
        "iss": issuer,
        "jti": Uuid::new_v4().to_string(),
        "nbf": now,
        "sub": subject,
    })
}

/// `GET /_emulator/oidc/.well-known/openid-configuration`.
pub(crate) async fn discovery(State(origin): State<Arc<Origin>>) -> Response {
    let issuer = issuer(&origin.base_url);
    axum::Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}

/// `GET /_emulator/oidc/openid/v1/jwks`.
pub(crate) async fn jwks(
    State(origin): State<Arc<Origin>>,
    State(signing): State<Arc<SigningKey>>,
) -> Response {
    let issuer = issuer(&origin.base_url);
    axum::Json(json!({ "keys": [signing.jwk(&issuer)] })).into_response()
}

/// Writes `federated-token.jwt`: a token for the consented app's federated credential,
/// valid for a day, for `AZURE_FEDERATED_TOKEN_FILE`. It is a credential: owner-only.
/// No trailing newline, as Kubernetes writes it: some clients send the file verbatim.
pub(crate) fn write_token_file(dir: &StateDir, base_url: &str, signing: &SigningKey) -> Result<()> {
    let claims = claims(
        &issuer(base_url),
        WORKLOAD_SUBJECT,
        TOKEN_EXCHANGE_AUDIENCE,
        TOKEN_FILE_LIFETIME_SECS,
    );
    let token = mint::sign(signing, &claims).ok_or(Error::Signing {
        what: "federated token",
    })?;
    write_atomic(&dir.file(names::FEDERATED_TOKEN), token.as_bytes(), true)
}
