//! The [`Store`] trait: a database holding the mirror, a page and its cursor
//! applied in one transaction.

use std::future::Future;

use super::Cursor;
use crate::changes::Changes;
use crate::error::Result;
use crate::kind::Kind;
use crate::summary::Counts;

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

    /// Applies `changes` and stores `next`, in one transaction, and returns
    /// what the page changed. When `next` ends a full round, the same
    /// transaction deletes the rows of the tenant (and kind) that the round
    /// did not write. The pages sent before ([`Store::send`]) are waited for
    /// first (the first failure among them is returned).
    fn apply(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> impl Future<Output = Result<Counts>> + Send {
        async move {
            while self.applied().await?.is_some() {}
            self.send(tenant, kind, changes, next).await?;
            Ok(self.applied().await?.unwrap_or_default())
        }
    }

    /// Sends `changes` and `next` to be applied as [`Store::apply`] applies
    /// them, without waiting for the commit where the database allows:
    /// PostgreSQL puts the page on its connection (the server applies it
    /// while the caller reads the next page), SQLite applies it at once.
    /// [`Store::applied`] waits for the pages sent, oldest first. Pages are
    /// committed in the order sent, each only if the one sent before it was:
    /// after a page that fails, the pages sent after it fail too, so that a
    /// stored cursor never skips a page.
    fn send(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Waits for the oldest page sent and not waited for yet: what it
    /// changed once committed, or why it (or a page before it) failed.
    /// `None`: no page is waiting.
    fn applied(&mut self) -> impl Future<Output = Result<Option<Counts>>> + Send;

    /// How many pages are sent and not waited for yet.
    fn pending(&self) -> usize;

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
