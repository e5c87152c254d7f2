//! Where the mirror lives: the [`Store`] trait and its SQLite and PostgreSQL
//! implementations, chosen by an `--into` target.

mod any;
mod checkpointer;
mod ddl;
mod migrations;
mod nul;
mod page;
mod postgres;
mod sqlite;
mod target;

use std::future::Future;

pub use any::AnyStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use target::Target;

use crate::changes::Changes;
use crate::error::Result;
use crate::kind::Kind;
use crate::summary::Counts;

/// Where one tenant's round of one kind stands, stored with the page before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The next request: a nextLink mid-round, the deltaLink once `done`.
    pub link: String,
    /// The round reached its deltaLink.
    pub done: bool,
    /// A full round (the first one, or a fresh one after a resync): it writes
    /// every object, and its last page sweeps the rows it did not write.
    pub full: bool,
    /// The round's number; rows remember the round that last wrote them.
    pub round: i64,
    /// The `$select` of the round: another one starts a fresh full round.
    pub selection: String,
}

/// A database holding the mirror. Every page is applied in one transaction
/// together with the cursor that follows it, so that a crash at any point
/// leaves the page either fully applied with its cursor, or not at all.
pub trait Store: Send {
    /// Adds the columns `columns` (checked property names) to `kind`'s
    /// table when missing; the next pages' upserts carry their values in this
    /// order ([`Upsert::columns`](crate::Upsert::columns)). SQLite stores
    /// those values; PostgreSQL computes its columns from `data` itself
    /// (generated, `data->>'name'`), on the server's cores.
    fn add_columns(
        &mut self,
        kind: Kind,
        columns: &[&str],
    ) -> impl Future<Output = Result<()>> + Send;

    /// The stored cursor of `tenant`'s `kind`, if a page was ever applied.
    fn cursor(
        &mut self,
        tenant: &str,
        kind: Kind,
    ) -> impl Future<Output = Result<Option<Cursor>>> + Send;

    /// Applies `changes` and stores `next`, in one transaction. When `next`
    /// ends a full round, the same transaction deletes the rows of the tenant
    /// (and kind) that the round did not write.
    fn apply(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> impl Future<Output = Result<Counts>> + Send;

    /// When `tenant`'s last round of `kind` reached its deltaLink (Unix
    /// milliseconds, by the clock of the process that applied its last page);
    /// `None` mid-round or before the first.
    fn round_ended(
        &mut self,
        tenant: &str,
        kind: Kind,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;

    /// Takes `tenant` for this worker, if no other worker holds it
    /// (PostgreSQL: a session advisory lock, released when the connection
    /// ends, e.g. when the worker dies; SQLite: always granted).
    fn try_lock(&mut self, tenant: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Releases `tenant`.
    fn unlock(&mut self, tenant: &str) -> impl Future<Output = Result<()>> + Send;
}
