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
            return Ok(vec![Worker { tenant, session }]);
        };
        tenants
            .into_iter()
            .map(|tenant| {
                let mut settings = config::load(global, None)?;
                settings.set_tenant(&tenant)?;
                Ok(Worker {
                    tenant,
                    session: Session::open(settings)?,
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
        let mut store = stores.take(target).await.map_err(Error::Sync)?;
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
