//! Continuous access evaluation for workload identities, as Entra documents it:
//! single-tenant service principals, Graph as the only resource, no managed
//! identities. A token requested with the `cp1` client capability carries
//! `xms_cc` and lives 24 hours; after a revocation event for its app (service
//! principal disabled or deleted) or a change of a location or risk policy,
//! Graph answers such tokens issued before the event with a 401 claims
//! challenge. Tokens without `cp1` stay valid until they expire. Events are
//! kept in memory (not in `state.json`).

mod admin;
mod events;

pub(crate) use admin::{enable, list, record};
pub(crate) use events::Events;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::graph::reply::{GraphCtx, Reply};
use crate::state::App;
use crate::token::errors::TokenError;
use crate::token::jws::date_claim;
use crate::token::mint::{BACKDATE_SECS, GRAPH_APP_ID, LIFETIME_SECS};

/// The capability that opts a client into continuous access evaluation.
const CP1: &str = "cp1";
/// Lifetime of a CAE token ("long-lived tokens, up to 24 hours").
pub(crate) const CAE_LIFETIME_SECS: i64 = 86_399;

/// Whether a token request's `claims` declare `cp1`
/// (`{"access_token":{"xms_cc":{"values":["cp1"]}}}`, merged with anything else).
fn declares_cp1(claims: &Value) -> bool {
    claims["access_token"]["xms_cc"]["values"]
        .as_array()
        .is_some_and(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .any(|v| v.eq_ignore_ascii_case(CP1))
        })
}

/// A token request's `claims` as JSON (`null` when absent or not JSON).
fn requested(claims: Option<&str>) -> Value {
    claims
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or(Value::Null)
}

/// Makes `token_claims` a CAE token when the request's `claims` declare `cp1`
/// (`xms_cc` and the long lifetime); returns the token's lifetime in seconds.
pub(crate) fn issue(token_claims: &mut Value, claims: Option<&str>, now: i64) -> i64 {
    lifetime(token_claims, &requested(claims), now)
}

fn lifetime(token_claims: &mut Value, requested: &Value, now: i64) -> i64 {
    if !declares_cp1(requested) {
        return LIFETIME_SECS;
    }
    token_claims["xms_cc"] = serde_json::json!([CP1]);
    token_claims["exp"] = (now + CAE_LIFETIME_SECS).into();
    CAE_LIFETIME_SECS
}

/// The CAE part of admitting a token request of `app`: a request answering a
/// claims challenge (its `claims` ask `access_token.nbf`) is counted, and an
/// app whose service principal is disabled gets AADSTS7000112.
pub(crate) fn admit(events: &Events, app: &App, claims: Option<&str>) -> Result<(), TokenError> {
    if !requested(claims)["access_token"]["nbf"]["value"].is_null() {
        events.answered();
    }
    if events.is_disabled(&app.client_id) {
        return Err(TokenError::new(
            400,
            "unauthorized_client",
            7000112,
            format!(
                "Application '{}'({}) is disabled.",
                app.client_id, app.display_name
            ),
        ));
    }
    Ok(())
}

/// Graph's 401 claims challenge for a CAE token issued before an event that
/// concerns its app; `None` for other tokens.
pub(crate) fn challenge(events: &Events, token_claims: &Value, ctx: &GraphCtx) -> Option<Reply> {
    let capable = token_claims["xms_cc"].as_array().is_some_and(|v| {
        v.iter()
            .filter_map(Value::as_str)
            .any(|c| c.eq_ignore_ascii_case(CP1))
    });
    if !capable {
        return None;
    }
    let appid = token_claims["appid"].as_str()?;
    // `iat` is backdated for clock skew; the event is compared with the issue time.
    let issued = date_claim(token_claims, "iat")? as i64 + BACKDATE_SECS;
    let event = events.latest_after(appid, issued)?;
    events.challenged();
    let claims = serde_json::json!({
        "access_token": {"nbf": {"essential": true, "value": event.time.to_string()}}
    });
    let message = format!(
        "Continuous access evaluation resulted in claims challenge with result: InteractionRequired and code: {}",
        event.kind.graph_code()
    );
    Some(
        Reply::error(401, "InvalidAuthenticationToken", &message, ctx).with_header(
            "www-authenticate",
            format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\", error=\"insufficient_claims\", claims=\"{}\"",
                ctx.base,
                STANDARD.encode(claims.to_string())
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn cp1_is_found_in_merged_claims_only() {
        assert!(declares_cp1(&json(
            r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#
        )));
        assert!(declares_cp1(&json(
            r#"{"access_token":{"nbf":{"essential":true,"value":"1"},"xms_cc":{"values":["x","CP1"]}}}"#
        )));
        for other in [
            "null",
            r#"{"access_token":{"nbf":{"essential":true,"value":"1"}}}"#,
            r#"{"id_token":{"xms_cc":{"values":["cp1"]}}}"#,
            r#"{"access_token":{"xms_cc":{"values":"cp1"}}}"#,
        ] {
            assert!(!declares_cp1(&json(other)), "{other:?}");
        }
    }

    #[test]
    fn a_cp1_token_lives_a_day_and_says_so() {
        let mut claims = serde_json::json!({"exp": 1});
        assert_eq!(lifetime(&mut claims, &Value::Null, 1000), LIFETIME_SECS);
        assert_eq!(claims, serde_json::json!({"exp": 1}));
        let requested = json(r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#);
        assert_eq!(lifetime(&mut claims, &requested, 1000), CAE_LIFETIME_SECS);
        assert_eq!(claims["xms_cc"], serde_json::json!(["cp1"]));
        assert_eq!(claims["exp"], 1000 + CAE_LIFETIME_SECS);
    }
}
