//! [`Call`]: one token request to a managed identity endpoint, for the source
//! modules, sent under the retry policy or once while probing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use entrad_http::{Request, StatusSet};

use super::identity::{ManagedIdentity, ParamNames};
use super::reply;
use crate::cache::CachedToken;
use crate::transport::{self, Reply, Service};
use crate::{HttpClient, Result};

/// One request to a managed identity endpoint, for the source modules.
pub(crate) struct Call<'a> {
    pub(crate) http: &'a HttpClient,
    pub(crate) identity: &'a ManagedIdentity,
    pub(crate) resource: &'a str,
    /// The source's name, for messages.
    pub(super) what: &'static str,
    /// Until the endpoint first answers (`answered`), one attempt with this
    /// timeout.
    pub(super) probe_timeout: Option<Duration>,
    pub(super) answered: &'a AtomicBool,
    pub(super) retries: &'a AtomicU64,
}

/// The shape of a source's token request: `GET endpoint?api-version=…&resource=…`
/// plus the identity's selector, with the source's headers.
pub(crate) struct TokenGet<'a> {
    pub(crate) source: &'static str,
    pub(crate) endpoint: &'a url::Url,
    pub(crate) api_version: &'static str,
    pub(crate) names: &'a ParamNames,
    pub(crate) headers: &'a [(&'static str, &'a str)],
    pub(crate) statuses: StatusSet,
}

impl Call<'_> {
    /// Sends `get` and reads the token from the answer.
    pub(crate) async fn get_token(&self, get: TokenGet<'_>) -> Result<CachedToken> {
        let mut query = vec![
            ("api-version", get.api_version),
            ("resource", self.resource),
        ];
        query.extend(self.identity.param(get.names));
        let reply = self
            .send(get.statuses, || {
                let mut request = self.http.get(get.endpoint).query(&query);
                for (name, value) in get.headers {
                    request = request.header(name, value);
                }
                request
            })
            .await?;
        reply::token(&reply, get.source)
    }

    /// Sends the request `make` builds under the retry policy (retrying
    /// `statuses`), or once with the probe timeout while probing.
    pub(crate) async fn send(
        &self,
        statuses: StatusSet,
        make: impl Fn() -> Request,
    ) -> Result<Reply> {
        let what = self.what;
        let service = Service::managed_identity(statuses);
        let probing = self
            .probe_timeout
            .filter(|_| !self.answered.load(Ordering::Relaxed));
        let reply = match probing {
            Some(timeout) => transport::probe(what, service, make().timeout(timeout)).await,
            None => {
                transport::send_to(
                    service,
                    &self.http.retry_policy(),
                    self.retries,
                    what,
                    None,
                    make,
                )
                .await
            }
        }?;
        self.answered.store(true, Ordering::Relaxed);
        Ok(reply)
    }
}
