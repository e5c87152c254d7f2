//! The mirror in a SQLite file (WAL mode, one transaction per page).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::changes::{Changes, Removal};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::store::migrations::{SQLITE, VERSIONS_TABLE};
use crate::store::{Cursor, Store};
use crate::summary::Counts;

/// A SQLite database file. Several processes may share it: writers take
/// turns (a busy writer is waited for up to a minute).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens or creates `path` (and its directory) and applies the migrations.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::Config(format!(
                    "cannot create the directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let what = format!("opening {}", path.display());
        let mut conn = Connection::open(path).map_err(Error::sqlite(what.clone()))?;
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(Error::sqlite(what.clone()))?;
        // A mirror that stays crash-safe page by page: in WAL mode a commit is
        // one append to the log, readers never block the writer, and with
        // synchronous = NORMAL the log is not fsynced at each commit (only at
        // checkpoints). A killed or crashed process loses nothing committed
        // (the log is in the OS's cache and replayed on open); a power loss
        // or an OS crash may lose the last pages, never leave half of one, and
        // the cursor stored with the last page that survived re-reads them.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(Error::sqlite(what))?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn })
    }

    /// The connection, for reading the mirror.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(Error::sqlite("starting the migrations"))?;
    tx.execute(VERSIONS_TABLE, [])
        .map_err(Error::sqlite("creating schema_migrations"))?;
    for (version, sql) in SQLITE {
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |row| row.get(0),
            )
            .optional()
            .map_err(Error::sqlite("reading schema_migrations"))?;
        if done.is_none() {
            tx.execute_batch(sql)
                .map_err(Error::sqlite(format!("applying migration {version}")))?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (?1)",
                [version],
            )
            .map_err(Error::sqlite("recording a migration"))?;
        }
    }
    tx.commit()
        .map_err(Error::sqlite("committing the migrations"))
}

impl Store for SqliteStore {
    async fn add_columns(&mut self, kind: Kind, columns: &[&str]) -> Result<()> {
        let table = kind.table();
        let existing: Vec<String> = {
            let mut statement = self
                .conn
                .prepare(&format!("SELECT name FROM pragma_table_xinfo('{table}')"))
                .map_err(Error::sqlite("reading the columns"))?;
            statement
                .query_map([], |row| row.get(0))
                .and_then(Iterator::collect)
                .map_err(Error::sqlite("reading the columns"))?
        };
        for column in columns {
            if existing.iter().any(|c| c.eq_ignore_ascii_case(column)) {
                continue;
            }
            // `column` is a checked property name (letters, digits, `_`).
            let sql = format!(
                "ALTER TABLE {table} ADD COLUMN \"{column}\" GENERATED ALWAYS AS (json_extract(data, '$.{column}')) VIRTUAL"
            );
            self.conn
                .execute(&sql, [])
                .map_err(Error::sqlite(format!("adding the column {table}.{column}")))?;
        }
        Ok(())
    }

    async fn cursor(&mut self, tenant: &str, kind: Kind) -> Result<Option<Cursor>> {
        self.conn
            .query_row(
                "SELECT link, done, full_round, round, selection FROM sync_state WHERE tenant = ?1 AND kind = ?2",
                params![tenant, kind.name()],
                |row| {
                    Ok(Cursor {
                        link: row.get(0)?,
                        done: row.get(1)?,
                        full: row.get(2)?,
                        round: row.get(3)?,
                        selection: row.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(Error::sqlite("reading the sync state"))
    }

    async fn apply(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> Result<Counts> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(Error::sqlite("starting a page's transaction"))?;
        let mut counts = write_page(&tx, tenant, kind, changes, next)
            .map_err(Error::sqlite(format!("applying a page of {kind}")))?;
        counts.pages = 1;
        tx.commit().map_err(Error::sqlite("committing a page"))?;
        Ok(counts)
    }

    async fn try_lock(&mut self, _tenant: &str) -> Result<bool> {
        Ok(true)
    }

    async fn unlock(&mut self, _tenant: &str) -> Result<()> {
        Ok(())
    }
}

/// The page's writes, the cursor, and at the end of a full round the sweep.
fn write_page(
    tx: &Transaction<'_>,
    tenant: &str,
    kind: Kind,
    changes: &Changes<'_>,
    next: &Cursor,
) -> rusqlite::Result<Counts> {
    let table = kind.table();
    let mut counts = Counts::default();
    for (id, removal) in &changes.removals {
        let gone = match removal {
            Removal::Changed => tx
                .prepare_cached(&format!(
                    "UPDATE {table} SET removed = 'changed', seen_round = ?3 WHERE tenant = ?1 AND id = ?2 AND removed IS NULL"
                ))?
                .execute(params![tenant, id, next.round])?,
            Removal::Deleted => {
                if kind == Kind::Groups {
                    tx.prepare_cached("DELETE FROM memberships WHERE tenant = ?1 AND group_id = ?2")?
                        .execute(params![tenant, id])?;
                }
                tx.prepare_cached(&format!("DELETE FROM {table} WHERE tenant = ?1 AND id = ?2"))?
                    .execute(params![tenant, id])?
            }
        };
        counts.removed += gone as u64;
    }
    // A full round brings whole objects; a round of changes may bring only
    // the changed properties, merged into the stored object.
    let data = if next.full {
        "?3"
    } else {
        "json_patch(data, ?3)"
    };
    // New rows first (the whole first round): one statement each; a row
    // that exists is left alone by the insert, then updated.
    let mut insert = tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {table} (tenant, id, data, removed, seen_round) VALUES (?1, ?2, ?3, NULL, ?4)"
    ))?;
    let mut update = tx.prepare_cached(&format!(
        "UPDATE {table} SET data = {data}, removed = NULL, seen_round = ?4 WHERE tenant = ?1 AND id = ?2"
    ))?;
    for (id, json) in &changes.upserts {
        if insert.execute(params![tenant, id, json, next.round])? == 1 {
            counts.added += 1;
        } else {
            update.execute(params![tenant, id, json, next.round])?;
            counts.changed += 1;
        }
    }
    let mut add = tx.prepare_cached(
        "INSERT INTO memberships (tenant, group_id, member_id, member_type, seen_round) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (tenant, group_id, member_id) DO UPDATE SET member_type = excluded.member_type, seen_round = excluded.seen_round",
    )?;
    for (group, member, member_type) in &changes.members_added {
        add.execute(params![tenant, group, member, member_type, next.round])?;
        counts.members_added += 1;
    }
    let mut remove = tx.prepare_cached(
        "DELETE FROM memberships WHERE tenant = ?1 AND group_id = ?2 AND member_id = ?3",
    )?;
    for (group, member) in &changes.members_removed {
        counts.members_removed += remove.execute(params![tenant, group, member])? as u64;
    }
    if next.done && next.full {
        counts.removed += tx
            .prepare_cached(&format!(
                "DELETE FROM {table} WHERE tenant = ?1 AND seen_round < ?2"
            ))?
            .execute(params![tenant, next.round])? as u64;
        if kind == Kind::Groups {
            counts.members_removed += tx
                .prepare_cached("DELETE FROM memberships WHERE tenant = ?1 AND seen_round < ?2")?
                .execute(params![tenant, next.round])? as u64;
        }
    }
    tx.prepare_cached(
        "INSERT INTO sync_state (tenant, kind, link, done, full_round, round, selection) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tenant, kind) DO UPDATE SET link = excluded.link, done = excluded.done,
           full_round = excluded.full_round, round = excluded.round, selection = excluded.selection",
    )?
    .execute(params![
        tenant,
        kind.name(),
        next.link,
        next.done,
        next.full,
        next.round,
        next.selection
    ])?;
    Ok(counts)
}
