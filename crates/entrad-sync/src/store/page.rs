//! A page's writes, once for both databases: removals, then upserts, then
//! memberships, then (at the end of a full round) the sweep, then the cursor,
//! all inside the page's transaction. Each store says how in its SQL
//! ([`PageWriter`]); the order and the sweep rule are here only.

use std::borrow::Cow;

use crate::changes::{Changes, Removal, Upsert};
use crate::kind::Kind;
use crate::store::Cursor;
use crate::summary::Counts;

/// The memberships table (the sweep clears it with the groups).
pub(crate) const MEMBERSHIPS: &str = "memberships";

/// One database's statements, inside one page's open transaction. `table` is
/// a constant table name ([`Kind::table`] or [`MEMBERSHIPS`]); lists are never
/// empty. Each returns the rows it wrote or deleted.
pub(crate) trait PageWriter: Send {
    /// The driver's error.
    type Error;

    /// Marks the present rows of `ids` removed (`removed = 'changed'`, soft
    /// delete) and seen in `round`.
    async fn mark_removed(
        &mut self,
        tenant: &str,
        table: &'static str,
        ids: &[&str],
        round: i64,
    ) -> Result<u64, Self::Error>;

    /// Deletes the rows of `ids`.
    async fn delete(
        &mut self,
        tenant: &str,
        table: &'static str,
        ids: &[&str],
    ) -> Result<u64, Self::Error>;

    /// Deletes the memberships of the groups `groups`.
    async fn delete_memberships_of(
        &mut self,
        tenant: &str,
        groups: &[&str],
    ) -> Result<u64, Self::Error>;

    /// Writes `upserts`, seen in `round`: whole objects in a full round
    /// (replacing the stored ones), else the changed properties merged into
    /// the stored object. Returns (added, changed).
    async fn upsert(
        &mut self,
        tenant: &str,
        table: &'static str,
        upserts: &[Upsert<'_>],
        round: i64,
        full: bool,
    ) -> Result<(u64, u64), Self::Error>;

    /// Adds (or updates) memberships: group id, member id, member type.
    async fn add_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>, Cow<'_, str>)],
        round: i64,
    ) -> Result<u64, Self::Error>;

    /// Deletes memberships: group id, member id.
    async fn remove_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>)],
    ) -> Result<u64, Self::Error>;

    /// Deletes the rows of `table` that no write of `round` or later touched.
    async fn delete_unseen(
        &mut self,
        tenant: &str,
        table: &'static str,
        round: i64,
    ) -> Result<u64, Self::Error>;

    /// A round of groups has reached its deltaLink (SQLite builds its member index).
    async fn groups_round_ended(&mut self) -> Result<(), Self::Error>;

    /// Stores where the round stands after this page, and when the round
    /// ended (Unix milliseconds) if this page ended it.
    async fn store_cursor(
        &mut self,
        tenant: &str,
        kind: Kind,
        next: &Cursor,
        ended_ms: Option<i64>,
    ) -> Result<(), Self::Error>;
}

/// The clock, in Unix milliseconds (`None` before 1970).
pub(crate) fn now_ms() -> Option<i64> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(since_epoch.as_millis()).ok()
}

/// Ids of the removals of one reason.
fn removed<'c>(changes: &'c Changes<'_>, reason: Removal) -> Vec<&'c str> {
    changes
        .removals
        .iter()
        .filter(|(_, r)| *r == reason)
        .map(|(id, _)| id.as_ref())
        .collect()
}

/// The page's writes and its cursor, in the page's transaction (which the
/// caller opens and commits). When `next` ends a full round, the rows of the
/// tenant's `kind` (and for groups, their memberships) that the round did not
/// write are deleted: every row remembers the round that last wrote it.
pub(crate) async fn write_page<W: PageWriter>(
    writer: &mut W,
    tenant: &str,
    kind: Kind,
    changes: &Changes<'_>,
    next: &Cursor,
) -> Result<Counts, W::Error> {
    let table = kind.table();
    let mut counts = Counts {
        pages: 1,
        ..Counts::default()
    };
    let soft = removed(changes, Removal::Changed);
    if !soft.is_empty() {
        counts.removed += writer
            .mark_removed(tenant, table, &soft, next.round)
            .await?;
    }
    let hard = removed(changes, Removal::Deleted);
    if !hard.is_empty() {
        if kind == Kind::Groups {
            writer.delete_memberships_of(tenant, &hard).await?;
        }
        counts.removed += writer.delete(tenant, table, &hard).await?;
    }
    if !changes.upserts.is_empty() {
        let (added, changed) = writer
            .upsert(tenant, table, &changes.upserts, next.round, next.full)
            .await?;
        counts.added += added;
        counts.changed += changed;
    }
    if !changes.members_added.is_empty() {
        counts.members_added += writer
            .add_members(tenant, &changes.members_added, next.round)
            .await?;
    }
    if !changes.members_removed.is_empty() {
        counts.members_removed += writer
            .remove_members(tenant, &changes.members_removed)
            .await?;
    }
    // Every row is written with the round writing it (round 1 at the
    // least): the first round has nothing older to sweep, and skips reading
    // all of the tenant's rows for it.
    if next.done && next.full && next.round > 1 {
        counts.removed += writer.delete_unseen(tenant, table, next.round).await?;
        if kind == Kind::Groups {
            counts.members_removed += writer
                .delete_unseen(tenant, MEMBERSHIPS, next.round)
                .await?;
        }
    }
    if next.done && kind == Kind::Groups {
        writer.groups_round_ended().await?;
    }
    let ended_ms = if next.done { now_ms() } else { None };
    writer.store_cursor(tenant, kind, next, ended_ms).await?;
    Ok(counts)
}
