//! One store type for either database, chosen at run time.

use crate::changes::Changes;
use crate::error::Result;
use crate::kind::Kind;
use crate::store::{Cursor, PostgresStore, SqliteStore, Store, Target};
use crate::summary::Counts;

/// A SQLite or a PostgreSQL store.
#[derive(Debug)]
pub enum AnyStore {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens (creating when missing) the database and applies its migrations.
    pub async fn open(target: &Target) -> Result<AnyStore> {
        Ok(match target {
            Target::Sqlite(path) => AnyStore::Sqlite(SqliteStore::open(path)?),
            Target::Postgres(url) => AnyStore::Postgres(PostgresStore::connect(url).await?),
        })
    }
}

macro_rules! each {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call.await,
            AnyStore::Postgres($store) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn add_columns(&mut self, kind: Kind, columns: &[&str]) -> Result<()> {
        each!(self, s => s.add_columns(kind, columns))
    }

    async fn cursor(&mut self, tenant: &str, kind: Kind) -> Result<Option<Cursor>> {
        each!(self, s => s.cursor(tenant, kind))
    }

    async fn send(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> Result<()> {
        each!(self, s => s.send(tenant, kind, changes, next))
    }

    async fn applied(&mut self) -> Result<Option<Counts>> {
        each!(self, s => s.applied())
    }

    fn pending(&self) -> usize {
        match self {
            AnyStore::Sqlite(store) => store.pending(),
            AnyStore::Postgres(store) => store.pending(),
        }
    }

    async fn round_ended(&mut self, tenant: &str, kind: Kind) -> Result<Option<i64>> {
        each!(self, s => s.round_ended(tenant, kind))
    }

    async fn try_lock(&mut self, tenant: &str) -> Result<bool> {
        each!(self, s => s.try_lock(tenant))
    }

    async fn unlock(&mut self, tenant: &str) -> Result<()> {
        each!(self, s => s.unlock(tenant))
    }
}
