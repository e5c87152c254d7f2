//! One tenant's Graph session, kept across `--watch` runs.

use entrad_sync::{Counts, Outcome, Plan, Target};

use crate::cli::GlobalArgs;
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;

use super::stores::Stores;

/// A tenant to sync: rows are keyed by `tenant`.
pub struct Worker {
    /// The tenant id or domain.
    pub tenant: String,
    session: Session,
    /// The token is acquired while the database is opened, not after (one
    /// tenant: no other worker of a fleet waits on its lock to ask for the
    /// same token).
    early_token: bool,
}

impl Worker {
    /// A worker per tenant of `tenants` (or one for the configured authority's
    /// tenant): every configuration error comes before any request.
    pub fn all(global: &GlobalArgs, tenants: Option<Vec<String>>) -> Result<Vec<Worker>, Error> {
        let Some(tenants) = tenants else {
            let session = Session::open(config::load(global, None)?)?;
            // A managed identity or the chain has no authority of its own.
            let tenant = crate::commands::session::authority(&session.settings)
                .ok()
                .and_then(|a| a.tenant().map(str::to_owned))
                .unwrap_or_else(|| "default".to_owned());
            return Ok(vec![Worker {
                tenant,
                session,
                early_token: true,
            }]);
        };
        tenants
            .into_iter()
            .map(|tenant| {
                let mut settings = config::load(global, None)?;
                settings.set_tenant(&tenant)?;
                Ok(Worker {
                    tenant,
                    session: Session::open(settings)?,
                    early_token: false,
                })
            })
            .collect()
    }

    /// Tokens this tenant's client asked the token service for so far.
    pub fn token_requests(&self) -> u64 {
        self.session.auth.token_requests()
    }

    /// One sync of the tenant into `target`, with a connection of `stores`
    /// (given back unless the database failed: the next tenant opens another).
    pub async fn sync(
        &mut self,
        stores: &Stores,
        target: &Target,
        plan: &Plan,
        on_page: &mut (dyn FnMut(&Counts) + Send),
    ) -> Result<Outcome, Error> {
        let (store, token) = if self.early_token {
            tokio::join!(stores.take(target), self.session.graph.prepare())
        } else {
            (stores.take(target).await, Ok(()))
        };
        let mut store = store.map_err(Error::Sync)?;
        if let Err(source) = token {
            stores.put(store);
            self.session.report_retries();
            return Err(self.session.graph_error(source));
        }
        let synced =
            entrad_sync::sync_tenant(&self.session.graph, &mut store, &self.tenant, plan, on_page)
                .await;
        self.session.report_retries();
        if !synced.as_ref().is_err_and(entrad_sync::Error::is_database) {
            stores.put(store);
        }
        synced.map_err(|e| match e {
            entrad_sync::Error::Graph(source) => self.session.graph_error(source),
            other => Error::Sync(other),
        })
    }
}
