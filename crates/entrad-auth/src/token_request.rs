//! The client-credentials token request and its reply.

use std::sync::atomic::AtomicU64;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::cache::CachedToken;
use crate::credential::{ClientAuth, try_in_turn};
use crate::service_reply::{describe_body, service_error};
use crate::token_body::{self, Lifetime};
use crate::transport::{self, Reply};
use crate::{Credential, Error, HttpClient, Result};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// One logical token request (retries included).
pub(crate) struct TokenRequest<'a> {
    pub(crate) http: &'a HttpClient,
    pub(crate) retries: &'a AtomicU64,
    pub(crate) token_endpoint: &'a Url,
    pub(crate) client_id: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) credential: &'a Credential,
    /// The `claims` parameter: capabilities and any claims challenge, merged.
    pub(crate) claims: Option<&'a str>,
}

/// A token as received, with the `client-request-id` that obtained it.
pub(crate) struct Received {
    pub(crate) token: CachedToken,
    pub(crate) client_request_id: String,
}

impl TokenRequest<'_> {
    /// Requests a token: the credential's proof, the POST (retried), then the
    /// token or the service's refusal.
    ///
    /// A credential list tries its credentials in turn (`try_in_turn`).
    pub(crate) async fn send(&self) -> Result<Received> {
        match self.credential.as_list() {
            Some(list) => try_in_turn(list, |i| self.send_with(&list.entries[i])).await,
            None => self.send_with(self.credential).await,
        }
    }

    /// One request with `credential`.
    async fn send_with(&self, credential: &Credential) -> Result<Received> {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let auth = credential
            .client_auth(self.client_id, self.token_endpoint)
            .await?;
        let reply = self.post(&auth, &client_request_id).await?;
        if reply.status == 200 {
            self.accepted(&reply, client_request_id)
        } else {
            Err(self.refused(&reply, &auth, client_request_id))
        }
    }

    /// The form POST to the token endpoint, under the retry policy.
    async fn post(&self, auth: &ClientAuth, client_request_id: &str) -> Result<Reply> {
        let body = self.form(auth);
        tracing::debug!(
            client_id = self.client_id,
            token_endpoint = %self.token_endpoint,
            scope = %self.scopes.join(" "),
            client_request_id = %client_request_id,
            "requesting an app token"
        );
        let policy = self.http.retry_policy();
        transport::send(
            &policy,
            self.retries,
            "token",
            Some(client_request_id),
            || {
                transport::client_headers(
                    self.http.post(self.token_endpoint),
                    Some(client_request_id),
                )
                .body(
                    "application/x-www-form-urlencoded",
                    body.expose_secret().as_bytes(),
                )
            },
        )
        .await
    }

    /// A 200: the token, unless the body is not a token reply.
    fn accepted(&self, reply: &Reply, client_request_id: String) -> Result<Received> {
        let token = parse_token(&reply.body, SystemTime::now()).map_err(|message| {
            Error::UnexpectedResponse {
                status: 200,
                message: format!("the token endpoint answered 200 but {message}"),
                client_request_id: Some(client_request_id.clone()),
            }
        })?;
        tracing::info!(client_id = self.client_id, client_request_id = %client_request_id, expires_on = token.expires_on, "app token acquired");
        Ok(Received {
            token,
            client_request_id,
        })
    }

    /// Any other status: the service's OAuth error (with the secret sent kept out
    /// of it), or, for a body that is none, what came instead.
    fn refused(&self, reply: &Reply, auth: &ClientAuth, client_request_id: String) -> Error {
        match service_error(reply, &[auth.sent_secret()]) {
            Some(error) => {
                // Not a warning: the refusal is returned, and the caller reports it
                // (the CLI in one line); a warning would say it twice.
                tracing::info!(
                    status = error.status,
                    error = %error.error,
                    error_codes = ?error.error_codes,
                    client_request_id = %client_request_id,
                    "token request refused"
                );
                Error::Service {
                    error: Box::new(error),
                    client_request_id: Some(client_request_id),
                }
            }
            None => Error::UnexpectedResponse {
                status: reply.status,
                message: format!(
                    "the token endpoint {} answered HTTP {} with a {} instead of an OAuth error",
                    self.token_endpoint,
                    reply.status,
                    describe_body(reply)
                ),
                client_request_id: Some(client_request_id),
            },
        }
    }

    fn form(&self, auth: &ClientAuth) -> SecretString {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("client_id", self.client_id)
            .append_pair("scope", &self.scopes.join(" "))
            .append_pair("grant_type", "client_credentials");
        if let Some(claims) = self.claims {
            form.append_pair("claims", claims);
        }
        match auth {
            ClientAuth::Secret(secret) => {
                form.append_pair("client_secret", secret.expose_secret());
            }
            ClientAuth::Assertion(assertion) => {
                form.append_pair("client_assertion_type", ASSERTION_TYPE)
                    .append_pair("client_assertion", assertion.expose_secret());
            }
        }
        SecretString::from(form.finish())
    }
}

/// Reads a success body. The error text never quotes the body: it holds the token.
pub(crate) fn parse_token(
    body: &[u8],
    now: SystemTime,
) -> std::result::Result<CachedToken, String> {
    token_body::parse(body, now, Lifetime::ExpiresIn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn numbers_or_strings() {
        let t = parse_token(
            br#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":7199,"access_token":"eyJ.x.y","refresh_in":1800}"#,
            at(1000),
        )
        .unwrap();
        assert_eq!(t.cached_at, 1000);
        assert_eq!(t.expires_on, 4599);
        assert_eq!(t.extended_expires_on, 8199);
        assert_eq!(t.refresh_on, Some(2800));
        assert_eq!(t.secret.expose_secret(), "eyJ.x.y");
    }

    #[test]
    fn defaults_and_half_life() {
        let t = parse_token(br#"{"expires_in":86400,"access_token":"a"}"#, at(0)).unwrap();
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.extended_expires_on, 86400);
        assert_eq!(t.refresh_on, Some(43200));
    }

    #[test]
    fn bad_bodies_do_not_quote_the_token() {
        for body in [
            &br#"{"access_token":"leaky-token-value"}"#[..],
            br#"{"access_token":"","expires_in":1}"#,
            br#"{"access_token":"leaky-token-value","expires_in":"soon"}"#,
            b"leaky-token-value",
        ] {
            let message = parse_token(body, at(0)).unwrap_err();
            assert!(!message.contains("leaky"), "{message}");
        }
    }
}
