//! The one extractor behind Graph's handlers: the parts a Graph request is answered
//! from and what the request carries (headers, the base URL it used, its query).

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::Response;

use super::auth::{self, Verifier};
use super::batch;
use super::reply::{GraphCtx, Reply};
use super::target::{Target, run};
use super::write::Write;
use crate::base_url::{BaseUrl, Origin};
use crate::cae::Events;
use crate::directories::Directories;
use crate::faults::Traffic;
use crate::keys::SigningKey;

/// A Graph request, before its bearer token is checked.
pub(crate) struct GraphRead {
    directories: Arc<Directories>,
    signing: Arc<SigningKey>,
    events: Arc<Events>,
    origin: Arc<Origin>,
    headers: HeaderMap,
    base: String,
    query: Option<String>,
}

impl<S> FromRequestParts<S> for GraphRead
where
    S: Send + Sync,
    Arc<Directories>: FromRef<S>,
    Arc<SigningKey>: FromRef<S>,
    Arc<Events>: FromRef<S>,
    Arc<Origin>: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let BaseUrl(base) = BaseUrl::from_request_parts(parts, state).await?;
        Ok(GraphRead {
            directories: Arc::from_ref(state),
            signing: Arc::from_ref(state),
            events: Arc::from_ref(state),
            origin: Arc::from_ref(state),
            headers: parts.headers.clone(),
            base,
            query: parts.uri.query().map(String::from),
        })
    }
}

impl GraphRead {
    fn verifier(&self) -> Verifier<'_> {
        Verifier {
            signing: &self.signing,
            directories: &self.directories,
            events: &self.events,
            origin: &self.origin,
        }
    }

    /// Answers a GET of `target` for a caller whose token carries one of its roles.
    pub(crate) fn answer(self, target: Target) -> Response {
        let mut ctx = GraphCtx::new(&self.headers, self.base.clone());
        let reply = match auth::authenticate(self.verifier(), &self.headers, &ctx)
            .and_then(|caller| caller.require_any(target.roles(), &ctx).map(|()| caller))
        {
            Ok(caller) => {
                ctx.tenant = caller.tenant;
                run(&self.directories, &ctx, &target, self.query.as_deref())
            }
            Err(reply) => reply,
        };
        reply.into_response(&ctx)
    }

    /// Answers with `answer` for a caller whose token carries a role of every one of
    /// `roles` (a POST that only reads, such as checkMemberGroups).
    pub(crate) fn reply(
        self,
        roles: &[&[&str]],
        answer: impl FnOnce(&Directories, &GraphCtx) -> Reply,
    ) -> Response {
        let mut ctx = GraphCtx::new(&self.headers, self.base.clone());
        let reply =
            match auth::authenticate(self.verifier(), &self.headers, &ctx).and_then(|caller| {
                roles
                    .iter()
                    .try_for_each(|any| caller.require_any(any, &ctx))
                    .map(|()| caller)
            }) {
                Ok(caller) => {
                    ctx.tenant = caller.tenant;
                    answer(&self.directories, &ctx)
                }
                Err(reply) => reply,
            };
        reply.into_response(&ctx)
    }

    /// Applies `write` for a caller whose token carries one of its roles, holding the
    /// tenant's directory for writing while it runs.
    pub(crate) fn write(self, write: Write, body: &[u8]) -> Response {
        let mut ctx = GraphCtx::new(&self.headers, self.base.clone());
        let reply = match auth::authenticate(self.verifier(), &self.headers, &ctx)
            .and_then(|caller| caller.require_any(write.roles(), &ctx).map(|()| caller))
        {
            Ok(caller) => {
                ctx.tenant = caller.tenant;
                write.apply(&mut self.directories.write_at(caller.tenant), &ctx, body)
            }
            Err(reply) => reply,
        };
        reply.into_response(&ctx)
    }

    /// Answers a `$batch`: the token is checked once; roles per inner request, each
    /// counted, throttled and faulted as its own route would be.
    pub(crate) async fn batch(self, traffic: &Traffic, body: &[u8]) -> Response {
        let ctx = GraphCtx::new(&self.headers, self.base.clone());
        let reply = match auth::authenticate(self.verifier(), &self.headers, &ctx) {
            Ok(caller) => batch::execute(&self.directories, traffic, &ctx, &caller, body).await,
            Err(reply) => reply,
        };
        reply.into_response(&ctx)
    }
}
