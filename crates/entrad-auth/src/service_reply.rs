//! Reading the token service's JSON replies: OAuth errors and loose numbers.

use serde_json::Value;

use crate::ServiceError;
use crate::transport::Reply;

/// The OAuth error in `reply`, if its body is one. `sent` lists secret values
/// this client sent: should a service echo one back, it is blanked out.
pub(crate) fn service_error(reply: &Reply, sent: &[&str]) -> Option<ServiceError> {
    let json: Value = serde_json::from_slice(&reply.body).ok()?;
    let error = json.get("error")?.as_str()?;
    let text = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .map(|s| scrub(s, sent))
    };
    let error_codes = json
        .get("error_codes")
        .and_then(Value::as_array)
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| loose_u64(c).and_then(|n| u32::try_from(n).ok()))
                .collect()
        })
        .unwrap_or_default();
    Some(ServiceError {
        status: reply.status,
        error: scrub(error, sent),
        error_description: text("error_description").unwrap_or_default(),
        error_codes,
        correlation_id: text("correlation_id"),
        trace_id: text("trace_id"),
    })
}

/// Epoch seconds as a JSON integer or a numeric string: MSAL writes them as
/// strings ("schema defines it as a string"), other writers as numbers.
pub(crate) fn epoch(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A number sent as a JSON number or as a numeric string (both occur in the wild).
pub(crate) fn loose_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.is_finite())
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Describes a body that is not the JSON expected, without quoting it.
pub(crate) fn describe_body(reply: &Reply) -> String {
    format!(
        "{} body of {} bytes",
        reply.content_type.as_deref().unwrap_or("untyped"),
        reply.body.len()
    )
}

fn scrub(text: &str, sent: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in sent.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, "[REDACTED]");
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        out = out.replace(&encoded, "[REDACTED]");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            challenge: None,
        }
    }

    #[test]
    fn entra_error_json() {
        let r = reply(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t","error_codes":[7000215],"timestamp":"2024-05-01 10:00:00Z","trace_id":"t","correlation_id":"c","error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#,
        );
        let e = service_error(&r, &[]).unwrap();
        assert_eq!(e.status, 401);
        assert_eq!(e.error, "invalid_client");
        assert_eq!(e.error_codes, vec![7000215]);
        assert_eq!(e.trace_id.as_deref(), Some("t"));
        assert_eq!(e.correlation_id.as_deref(), Some("c"));
    }

    #[test]
    fn minimal_and_odd_shapes() {
        let e = service_error(
            &reply(
                400,
                r#"{"error":"invalid_request","error_codes":["90002"]}"#,
            ),
            &[],
        )
        .unwrap();
        assert_eq!(e.error_codes, vec![90002]);
        assert_eq!(e.error_description, "");
        assert!(service_error(&reply(502, "<html>bad gateway</html>"), &[]).is_none());
        assert!(service_error(&reply(400, r#"{"message":"x"}"#), &[]).is_none());
        assert!(service_error(&reply(400, r#"{"error":{"code":"x"}}"#), &[]).is_none());
    }

    #[test]
    fn echoed_secrets_are_blanked() {
        let r = reply(
            400,
            r#"{"error":"invalid_request","error_description":"bad body client_secret=s%2Bcr3t and s+cr3t"}"#,
        );
        let e = service_error(&r, &["s+cr3t"]).unwrap();
        assert_eq!(
            e.error_description,
            "bad body client_secret=[REDACTED] and [REDACTED]"
        );
    }

    #[test]
    fn loose_numbers() {
        assert_eq!(loose_u64(&serde_json::json!(3599)), Some(3599));
        assert_eq!(loose_u64(&serde_json::json!("3599")), Some(3599));
        assert_eq!(loose_u64(&serde_json::json!(3599.0)), Some(3599));
        assert_eq!(loose_u64(&serde_json::json!(-1)), None);
        assert_eq!(loose_u64(&serde_json::json!("soon")), None);
        assert_eq!(loose_u64(&serde_json::json!(null)), None);
    }
}
