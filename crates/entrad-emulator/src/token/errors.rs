//! The token service's error answers: `error`, `error_description` with its AADSTS code
//! and trailer, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use crate::clock::ests_timestamp;

/// Where Entra's federated-credential errors send the reader.
const WORKLOAD_IDENTITY_DOCS: &str =
    "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/// A refusal of the token service (or of its metadata endpoints).
#[derive(Debug)]
pub(crate) struct TokenError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
    retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: String,
    error_codes: [u32; 1],
    timestamp: &'a str,
    trace_id: &'a str,
    correlation_id: &'a str,
    error_uri: String,
}

/// The client's `client-request-id` when it sent one, else a fresh id: the service
/// echoes it as the correlation id.
pub(crate) fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 100)
        .map(String::from)
        .unwrap_or_else(|| Uuid::new_v4().to_string())
}

/// Headers of every token-service answer.
pub(crate) fn ests_headers(response: &mut Response, trace_id: &str, correlation_id: &str) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(trace_id) {
        headers.insert("x-ms-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(correlation_id) {
        headers.insert("client-request-id", v);
    }
}

impl TokenError {
    pub(crate) fn new(
        status: u16,
        error: &'static str,
        code: u32,
        message: impl Into<String>,
    ) -> Self {
        TokenError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// `AADSTS<code>: <message>`, as a sign-in page shows it.
    pub(crate) fn aadsts(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.message)
    }

    /// The answer, with the client's correlation id.
    pub(crate) fn respond(self, correlation_id: &str) -> Response {
        let trace_id = Uuid::new_v4().to_string();
        let timestamp = ests_timestamp();
        let body = Body {
            error: self.error,
            // Entra puts the trailer on lines of their own (CRLF), as the error
            // codes page's sample shows; clients keep the first line as the message.
            error_description: format!(
                "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
                self.code, self.message
            ),
            error_codes: [self.code],
            timestamp: &timestamp,
            trace_id: &trace_id,
            correlation_id,
            error_uri: format!("https://login.microsoftonline.com/error?code={}", self.code),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        ests_headers(&mut response, &trace_id, correlation_id);
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }

    pub(crate) fn unknown_tenant(tenant: &str, error: &'static str) -> Self {
        TokenError::new(
            400,
            error,
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        )
    }

    pub(crate) fn no_tenant_information() -> Self {
        TokenError::new(
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided credentials.",
        )
    }

    pub(crate) fn missing_parameter(name: &str) -> Self {
        TokenError::new(
            400,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    pub(crate) fn unsupported_grant_type(grant_type: &str) -> Self {
        TokenError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        )
    }

    pub(crate) fn app_not_found(client_id: &str, tenant_name: &str) -> Self {
        TokenError::new(
            400,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    pub(crate) fn no_service_principal(client_id: &str, tenant_id: &str) -> Self {
        TokenError::new(
            400,
            "invalid_client",
            7000229,
            format!(
                "The client application {client_id} is missing service principal in the tenant {tenant_id}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"
            ),
        )
    }

    pub(crate) fn scope_needs_default(scope: &str) -> Self {
        TokenError::new(
            400,
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        )
    }

    pub(crate) fn invalid_scope(scope: &str) -> Self {
        TokenError::new(
            400,
            "invalid_scope",
            70011,
            format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )
    }

    pub(crate) fn resource_not_found(resource: &str, tenant_name: &str) -> Self {
        TokenError::new(
            400,
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tenant_name}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        )
    }

    pub(crate) fn no_credentials() -> Self {
        TokenError::new(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }

    pub(crate) fn wrong_secret(client_id: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        )
    }

    pub(crate) fn expired_secret(client_id: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            7000222,
            format!(
                "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
            ),
        )
    }

    pub(crate) fn malformed_assertion() -> Self {
        TokenError::new(
            400,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.",
        )
    }

    pub(crate) fn bad_signature() -> Self {
        TokenError::new(
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation.",
        )
    }

    pub(crate) fn unregistered_certificate(thumbprint: &str, client_id: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"
            ),
        )
    }

    pub(crate) fn assertion_time_range(now: f64, nbf: Option<f64>, exp: Option<f64>) -> Self {
        let show = |t: Option<f64>| {
            t.map(crate::clock::iso)
                .unwrap_or_else(|| "(missing)".into())
        };
        TokenError::new(
            401,
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}.",
                crate::clock::iso(now),
                show(nbf),
                show(exp)
            ),
        )
    }

    pub(crate) fn assertion_client_mismatch() -> Self {
        TokenError::new(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        )
    }

    pub(crate) fn assertion_audience() -> Self {
        TokenError::new(
            401,
            "invalid_client",
            50012,
            "Client assertion audience claim does not match Realm issuer.",
        )
    }

    /// A federated token for an app without federated credentials (the generic
    /// AADSTS70021 of the workload identity federation docs).
    pub(crate) fn no_federated_record(issuer: &str, subject: &str, audience: &str) -> Self {
        TokenError::new(
            400,
            "invalid_request",
            70021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{audience}'. {WORKLOAD_IDENTITY_DOCS}"
            ),
        )
    }

    pub(crate) fn federated_issuer(issuer: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            700211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. {WORKLOAD_IDENTITY_DOCS}"
            ),
        )
    }

    pub(crate) fn federated_audience(audience: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            700212,
            format!(
                "No matching federated identity record found for presented assertion audience '{audience}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. {WORKLOAD_IDENTITY_DOCS}"
            ),
        )
    }

    pub(crate) fn federated_subject(subject: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            700213,
            format!(
                "No matching federated identity record found for presented assertion subject '{subject}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. {WORKLOAD_IDENTITY_DOCS}"
            ),
        )
    }

    pub(crate) fn federated_key_not_found(kid: &str, issuer: &str) -> Self {
        TokenError::new(
            401,
            "invalid_client",
            7000272,
            format!(
                "The certificate with identifier {kid} used to sign the federated credential could not be found in the metadata of identity provider {issuer}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token."
            ),
        )
    }

    /// An injected 429/503/504 fault, in the token service's shape.
    pub(crate) fn fault(status: u16, retry_after: u64) -> Self {
        let mut error = if status == 429 {
            TokenError::new(
                429,
                "temporarily_unavailable",
                90055,
                "There are too many incoming requests. Please try again later.",
            )
        } else {
            TokenError::new(
                status,
                "temporarily_unavailable",
                50000,
                "There was an error issuing a token or an issue with our sign-in service. Please try again later.",
            )
        };
        error.retry_after = Some(retry_after);
        error
    }
}
