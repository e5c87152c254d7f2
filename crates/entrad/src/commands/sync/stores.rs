//! The database connections of a process, shared by its tenants: one per
//! tenant synced at the same time (`--concurrency`), not one per tenant of
//! `--tenants` (200 tenants held 200 PostgreSQL connections per worker, past
//! the server's default limit of 100 with a fleet of one).

use std::sync::Mutex;

use entrad_sync::{AnyStore, Target};

/// Idle connections, kept across `--watch` runs.
#[derive(Default)]
pub struct Stores {
    idle: Mutex<Vec<AnyStore>>,
}

impl Stores {
    /// An idle connection, or a new one to `target`.
    pub async fn take(&self, target: &Target) -> Result<AnyStore, entrad_sync::Error> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(store) => Ok(store),
            None => AnyStore::open(target).await,
        }
    }

    /// Gives back a connection that is still good.
    pub fn put(&self, store: AnyStore) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(store);
        }
    }
}
