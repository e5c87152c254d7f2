//! Finding the token endpoint: instance discovery (where it applies) and the
//! authority's OpenID Connect metadata. The client keeps the result in the
//! process and in its token store (see `known_endpoints`).

use std::sync::atomic::AtomicU64;

use serde_json::Value;
use url::Url;

use crate::authority::is_loopback;
use crate::service_reply::{describe_body, service_error};
use crate::transport::{self, Reply};
use crate::{Authority, Error, HttpClient, Result};

/// What the client needs from the metadata.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub(crate) token_endpoint: Url,
}

/// How to reach the service during discovery.
pub(crate) struct Discovery<'a> {
    pub(crate) http: &'a HttpClient,
    pub(crate) retries: &'a AtomicU64,
    pub(crate) instance_discovery: bool,
    pub(crate) allow_insecure_loopback: bool,
}

impl Discovery<'_> {
    /// Runs instance discovery if it applies, then reads the metadata.
    pub(crate) async fn endpoints(&self, authority: &Authority) -> Result<Endpoints> {
        let mut metadata_url = authority.metadata_url();
        if self.instance_discovery
            && let Some(url) = authority.instance_discovery_url()
        {
            metadata_url = self.instance(&url).await?;
        }
        let reply = self.get(&metadata_url, "openid-configuration").await?;
        let json = expect_json(&reply, &metadata_url, || {
            format!(
                "no OpenID configuration at {metadata_url} (HTTP {}): check the authority URL",
                reply.status
            )
        })?;
        let token_endpoint = json
            .get("token_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::Discovery(format!(
                    "the OpenID configuration at {metadata_url} has no token_endpoint"
                ))
            })?;
        let token_endpoint = self.checked_url(token_endpoint, "token_endpoint")?;
        tracing::debug!(%token_endpoint, "token endpoint discovered");
        Ok(Endpoints { token_endpoint })
    }

    /// Asks the authority's host whether it is an Entra instance; returns the
    /// metadata URL it names.
    async fn instance(&self, url: &Url) -> Result<Url> {
        let reply = self.get(url, "instance-discovery").await?;
        let json = expect_json(&reply, url, || {
            format!(
                "instance discovery at {} answered HTTP {}: for a custom authority turn it off with instance_discovery(false)",
                without_query(url),
                reply.status
            )
        })?;
        let endpoint = json
            .get("tenant_discovery_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::Discovery(format!(
                    "instance discovery at {} named no tenant_discovery_endpoint",
                    without_query(url)
                ))
            })?;
        self.checked_url(endpoint, "tenant_discovery_endpoint")
    }

    async fn get(&self, url: &Url, what: &str) -> Result<Reply> {
        let policy = self.http.retry_policy();
        transport::send(&policy, self.retries, what, None, || {
            transport::client_headers(self.http.get(url), None)
        })
        .await
    }

    /// Endpoints named by the service (or read from the store) obey the same
    /// scheme rule as the authority.
    pub(crate) fn checked_url(&self, value: &str, field: &str) -> Result<Url> {
        let url = Url::parse(value).map_err(|source| Error::DiscoveryUrl {
            field: field.to_owned(),
            value: value.to_owned(),
            source,
        })?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if self.allow_insecure_loopback && is_loopback(&url) => Ok(url),
            _ => Err(Error::Discovery(format!(
                "{field} {url} is not https: refused (plain http is only allowed for a loopback test server with allow_insecure_loopback)"
            ))),
        }
    }
}

/// The JSON of a 200 reply; an OAuth error as [`Error::Service`]; else `other()`.
fn expect_json(reply: &Reply, url: &Url, other: impl FnOnce() -> String) -> Result<Value> {
    if reply.status == 200 {
        return serde_json::from_slice(&reply.body).map_err(|_| Error::UnexpectedResponse {
            status: reply.status,
            message: format!(
                "{} sent a {}, not JSON",
                without_query(url),
                describe_body(reply)
            ),
            client_request_id: None,
        });
    }
    if let Some(error) = service_error(reply, &[]) {
        return Err(Error::Service {
            error: Box::new(error),
            client_request_id: None,
        });
    }
    if crate::error::is_transient_status(reply.status) {
        return Err(Error::UnexpectedResponse {
            status: reply.status,
            message: format!(
                "{} answered HTTP {} with a {}",
                without_query(url),
                reply.status,
                describe_body(reply)
            ),
            client_request_id: None,
        });
    }
    Err(Error::Discovery(other()))
}

fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}
