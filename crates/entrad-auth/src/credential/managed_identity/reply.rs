//! Reading a managed identity endpoint's answer: the token (with
//! `expires_in`, or `expires_on` as a number or a string) or the source's
//! own error shape.

use std::time::SystemTime;

use serde_json::Value;

use crate::cache::CachedToken;
use crate::service_reply::{describe_body, loose_u64};
use crate::token_body::{self, Lifetime};
use crate::transport::Reply;
use crate::{Error, Result, ServiceError};

/// The token in a 200 answer, or the error any other answer says.
pub(crate) fn token(reply: &Reply, source: &str) -> Result<CachedToken> {
    if reply.status != 200 {
        return Err(refused(reply, source));
    }
    token_body::parse(&reply.body, SystemTime::now(), Lifetime::ExpiresInOrOn).map_err(|message| {
        Error::UnexpectedResponse {
            status: 200,
            message: format!("{source} answered 200 but {message}"),
            client_request_id: None,
        }
    })
}

/// The error in a refusal: OAuth's `{"error","error_description"}` (IMDS,
/// Arc), Service Fabric's `{"error":{"code","message"}}`, App Service's
/// `{"statusCode","message"}`.
pub(crate) fn refused(reply: &Reply, source: &str) -> Error {
    let json: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_string);
    let parsed = json.as_ref().and_then(|json| match json.get("error") {
        Some(Value::String(error)) => Some((
            error.clone(),
            text(json, "error_description").unwrap_or_default(),
        )),
        Some(inner @ Value::Object(_)) => Some((
            text(inner, "code").unwrap_or_else(|| "error".into()),
            text(inner, "message").unwrap_or_default(),
        )),
        _ => text(json, "message").map(|message| {
            let code = json
                .get("statusCode")
                .and_then(loose_u64)
                .map_or_else(|| "error".into(), |c| c.to_string());
            (code, message)
        }),
    });
    match parsed {
        Some((error, error_description)) => Error::Service {
            error: Box::new(ServiceError {
                status: reply.status,
                error,
                error_description: format!("{source}: {error_description}"),
                error_codes: Vec::new(),
                correlation_id: None,
                trace_id: None,
            }),
            client_request_id: None,
        },
        None => Error::UnexpectedResponse {
            status: reply.status,
            message: format!(
                "{source} answered HTTP {} with a {} instead of a token or an error",
                reply.status,
                describe_body(reply)
            ),
            client_request_id: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use secrecy::ExposeSecret;

    use super::*;

    fn parse(body: &[u8], now: SystemTime) -> std::result::Result<CachedToken, String> {
        token_body::parse(body, now, Lifetime::ExpiresInOrOn)
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            challenge: None,
        }
    }

    #[test]
    fn expires_in_or_expires_on_as_number_or_string() {
        let imds = parse(
            br#"{"access_token":"a","expires_in":"3599","expires_on":"1","resource":"r","token_type":"Bearer"}"#,
            at(1000),
        )
        .unwrap();
        assert_eq!(imds.expires_on, 4599);
        assert_eq!(imds.secret.expose_secret(), "a");
        let app_service = parse(
            br#"{"access_token":"a","expires_on":"90000","resource":"r","token_type":"Bearer"}"#,
            at(1000),
        )
        .unwrap();
        assert_eq!(app_service.expires_on, 90000);
        assert_eq!(app_service.refresh_on, Some(1000 + 89000 / 2));
        let fabric = parse(
            br#"{"access_token":"a","expires_on":4600,"refresh_in":60}"#,
            at(1000),
        )
        .unwrap();
        assert_eq!((fabric.expires_on, fabric.refresh_on), (4600, Some(1060)));
        for bad in [
            &br#"{"access_token":"leaky"}"#[..],
            br#"{"expires_in":1}"#,
            b"leaky",
        ] {
            let message = parse(bad, at(0)).unwrap_err();
            assert!(!message.contains("leaky"), "{message}");
        }
    }

    #[test]
    fn each_source_error_shape() {
        let oauth = refused(
            &reply(
                400,
                r#"{"error":"invalid_request","error_description":"Identity not found"}"#,
            ),
            "IMDS",
        );
        let e = oauth.service_error().unwrap();
        assert_eq!(
            (e.error.as_str(), e.error_description.as_str()),
            ("invalid_request", "IMDS: Identity not found")
        );
        let fabric = refused(
            &reply(
                401,
                r#"{"error":{"code":"SecretHeaderNotFound","message":"Secret is not found in the request headers."}}"#,
            ),
            "Service Fabric",
        );
        assert_eq!(
            fabric.service_error().unwrap().error,
            "SecretHeaderNotFound"
        );
        let app = refused(
            &reply(
                400,
                r#"{"statusCode":400,"message":"Unable to load the proper Managed Identity."}"#,
            ),
            "App Service",
        );
        assert_eq!(app.service_error().unwrap().error, "400");
        let html = refused(&reply(502, "<html>"), "IMDS");
        assert!(
            html.to_string().contains("IMDS answered HTTP 502"),
            "{html}"
        );
    }
}
