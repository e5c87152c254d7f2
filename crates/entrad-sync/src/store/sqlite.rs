//! The mirror in a SQLite file (WAL mode, one transaction per page).

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, ToSql, params, params_from_iter};

use crate::changes::{Changes, ColumnValue, Upsert};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::selection::RESERVED;
use crate::store::checkpointer::Checkpointer;
use crate::store::columns::Columns;
use crate::store::ddl;
use crate::store::migrations::{SQLITE, VERSIONS_TABLE};
use crate::store::page::{PageWriter, write_page};
use crate::store::{Cursor, Store};
use crate::summary::Counts;

/// How long a writer waits for another process's write transaction.
const BUSY_WAIT: Duration = Duration::from_secs(60);

/// A SQLite database file. Several processes may share it: writers take
/// turns (a busy writer is waited for up to a minute).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    columns: HashMap<Kind, Columns>,
    /// `None`: SQLite's automatic checkpoints, in the commits.
    checkpointer: Option<Checkpointer>,
    /// The counts of the pages sent (applied at once) and not handed out yet.
    applied: VecDeque<Counts>,
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
        conn.busy_timeout(BUSY_WAIT)
            .map_err(Error::sqlite(what.clone()))?;
        // A mirror that stays crash-safe page by page: in WAL mode a commit is
        // one append to the log, readers never block the writer, and with
        // synchronous = NORMAL the log is not fsynced at each commit (only at
        // checkpoints). A killed or crashed process loses nothing committed
        // (the log is in the OS's cache and replayed on open); a power loss
        // or an OS crash may lose the last pages, never leave half of one, and
        // the cursor stored with the last page that survived re-reads them.
        // 16 KiB pages (for a new file; an existing one keeps its own): the
        // objects are a few hundred bytes of JSON keyed by random ids, so each
        // page's commit touches pages all over the tables. With SQLite's
        // default 4 KiB, 100,000 users wrote four times as many log frames
        // and took 30% longer (bench/sync.sh, BENCHMARKS.md).
        conn.execute_batch(
            "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )
        .map_err(Error::sqlite(what.clone()))?;
        migrate(&mut conn)?;
        let checkpointer = Checkpointer::start(path);
        if checkpointer.is_some() {
            conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")
                .map_err(Error::sqlite(what))?;
        }
        Ok(SqliteStore {
            conn,
            columns: HashMap::new(),
            checkpointer,
            applied: VecDeque::new(),
        })
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
        let existing: Vec<(String, i64)> = {
            let mut statement = self
                .conn
                .prepare(&ddl::sqlite_columns(table))
                .map_err(Error::sqlite("reading the columns"))?;
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .and_then(Iterator::collect)
                .map_err(Error::sqlite("reading the columns"))?
        };
        let mut extra = Vec::new();
        for (name, hidden) in existing {
            if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
                continue;
            }
            // hidden 2 or 3: a generated column, as mirrors made before 0.1 had.
            if hidden >= 2 {
                self.conn
                    .execute(&ddl::sqlite_drop_column(table, &name), [])
                    .map_err(Error::sqlite(format!(
                        "replacing the column {table}.{name}"
                    )))?;
                self.add_plain_column(table, &name)?;
            }
            extra.push(name);
        }
        for column in columns {
            if !extra.iter().any(|c| c.eq_ignore_ascii_case(column)) {
                self.add_plain_column(table, column)?;
            }
        }
        // SQLite's column names are not case-sensitive.
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        self.columns
            .insert(kind, Columns::new(extra, columns, same));
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

    /// Applies the page at once; [`Store::applied`] hands out its counts.
    async fn send(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> Result<()> {
        let columns = self.columns.get(&kind).ok_or_else(|| {
            Error::Config(format!(
                "the {kind} columns were not set up (add_columns) before a page"
            ))
        })?;
        let mut page = Page::begin(&mut self.conn, columns)
            .map_err(Error::sqlite("starting a page's transaction"))?;
        let counts = write_page(&mut page, tenant, kind, changes, next)
            .await
            .map_err(Error::sqlite(format!("applying a page of {kind}")))?;
        page.commit().map_err(Error::sqlite("committing a page"))?;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed(&self.conn, BUSY_WAIT);
        }
        self.applied.push_back(counts);
        Ok(())
    }

    async fn applied(&mut self) -> Result<Option<Counts>> {
        Ok(self.applied.pop_front())
    }

    fn pending(&self) -> usize {
        self.applied.len()
    }

    async fn round_ended(&mut self, tenant: &str, kind: Kind) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT round_ended_ms FROM sync_state WHERE tenant = ?1 AND kind = ?2",
                params![tenant, kind.name()],
                |row| row.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(Error::sqlite("reading the sync state"))
    }

    async fn try_lock(&mut self, _tenant: &str) -> Result<bool> {
        Ok(true)
    }

    async fn unlock(&mut self, _tenant: &str) -> Result<()> {
        Ok(())
    }
}

impl SqliteStore {
    /// Adds `column` to `table`, filled from each row's `data`.
    fn add_plain_column(&self, table: &str, column: &str) -> Result<()> {
        for sql in ddl::sqlite_add_column(table, column) {
            self.conn
                .execute(&sql, [])
                .map_err(Error::sqlite(format!("adding the column {table}.{column}")))?;
        }
        Ok(())
    }
}

impl ToSql for ColumnValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            ColumnValue::Null => ValueRef::Null,
            ColumnValue::Bool(b) => ValueRef::Integer(i64::from(*b)),
            ColumnValue::Integer(n) => ValueRef::Integer(*n),
            ColumnValue::Real(x) => ValueRef::Real(*x),
            ColumnValue::Text(text) => ValueRef::Text(text.as_bytes()),
        }))
    }
}

/// The statements that write objects with their columns: `?1` tenant, `?2`
/// id, `?3` JSON text, `?4` round, then the selected columns' values.
struct UpsertSql {
    insert: String,
    update: String,
    /// The update binds the columns' values (a full round); otherwise it
    /// merges the text into `data` and reads every column from the result.
    update_binds_columns: bool,
}

impl UpsertSql {
    fn new(table: &str, columns: &Columns, full: bool) -> UpsertSql {
        let from_data = |data: &str, column: &String| {
            format!(", \"{column}\" = json_extract({data}, '$.{column}')")
        };
        let mut insert_names = String::new();
        let mut insert_values = String::new();
        let mut update_full = String::new();
        for (i, column) in columns.selected.iter().enumerate() {
            insert_names.push_str(&format!(", \"{column}\""));
            insert_values.push_str(&format!(", ?{}", i + 5));
            update_full.push_str(&format!(", \"{column}\" = ?{}", i + 5));
        }
        for column in &columns.others {
            insert_names.push_str(&format!(", \"{column}\""));
            insert_values.push_str(&format!(", json_extract(?3, '$.{column}')"));
            update_full.push_str(&from_data("?3", column));
        }
        let insert = format!(
            "INSERT OR IGNORE INTO {table} (tenant, id, data, removed, seen_round{insert_names}) VALUES (?1, ?2, ?3, NULL, ?4{insert_values})"
        );
        let update = if full {
            format!(
                "UPDATE {table} SET data = ?3, removed = NULL, seen_round = ?4{update_full} WHERE tenant = ?1 AND id = ?2"
            )
        } else {
            // Every right-hand side reads the row before the update.
            let merged: String = columns
                .selected
                .iter()
                .chain(&columns.others)
                .map(|column| from_data("json_patch(data, ?3)", column))
                .collect();
            format!(
                "UPDATE {table} SET data = json_patch(data, ?3), removed = NULL, seen_round = ?4{merged} WHERE tenant = ?1 AND id = ?2"
            )
        };
        UpsertSql {
            insert,
            update,
            update_binds_columns: full,
        }
    }
}

/// A page's transaction on the connection (`BEGIN IMMEDIATE`: the write lock
/// is taken at once, so a busy writer is waited for before any work).
/// Dropped without [`Page::commit`], it rolls back.
///
/// It borrows the connection itself rather than holding a
/// `rusqlite::Transaction`, which cannot be sent between threads: the page
/// algorithm is async (for PostgreSQL) and its future must be `Send`.
struct Page<'c> {
    conn: &'c mut Connection,
    columns: &'c Columns,
}

impl<'c> Page<'c> {
    fn begin(conn: &'c mut Connection, columns: &'c Columns) -> rusqlite::Result<Page<'c>> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Page { conn, columns })
    }

    fn commit(self) -> rusqlite::Result<()> {
        self.conn.execute_batch("COMMIT")
    }

    /// `sql` run once per id: `?1` tenant, `?2` id, `?3` (if used) `round`.
    fn each_id(
        &self,
        sql: &str,
        tenant: &str,
        ids: &[&str],
        round: Option<i64>,
    ) -> rusqlite::Result<u64> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let mut rows = 0;
        for id in ids {
            rows += match round {
                Some(round) => statement.execute(params![tenant, id, round])?,
                None => statement.execute(params![tenant, id])?,
            } as u64;
        }
        Ok(rows)
    }
}

impl Drop for Page<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            // A failed ROLLBACK leaves nothing to do: SQLite rolls the
            // transaction back itself when the connection closes.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl PageWriter for Page<'_> {
    type Error = rusqlite::Error;

    async fn mark_removed(
        &mut self,
        tenant: &str,
        table: &'static str,
        ids: &[&str],
        round: i64,
    ) -> rusqlite::Result<u64> {
        self.each_id(
            &format!(
                "UPDATE {table} SET removed = 'changed', seen_round = ?3 WHERE tenant = ?1 AND id = ?2 AND removed IS NULL"
            ),
            tenant,
            ids,
            Some(round),
        )
    }

    async fn delete(
        &mut self,
        tenant: &str,
        table: &'static str,
        ids: &[&str],
    ) -> rusqlite::Result<u64> {
        self.each_id(
            &format!("DELETE FROM {table} WHERE tenant = ?1 AND id = ?2"),
            tenant,
            ids,
            None,
        )
    }

    async fn delete_memberships_of(
        &mut self,
        tenant: &str,
        groups: &[&str],
    ) -> rusqlite::Result<u64> {
        self.each_id(
            "DELETE FROM memberships WHERE tenant = ?1 AND group_id = ?2",
            tenant,
            groups,
            None,
        )
    }

    async fn upsert(
        &mut self,
        tenant: &str,
        table: &'static str,
        upserts: &[Upsert<'_>],
        round: i64,
        full: bool,
    ) -> rusqlite::Result<(u64, u64)> {
        // New rows first (the whole first round): one statement each; a row
        // that exists is left alone by the insert, then updated.
        let sql = UpsertSql::new(table, self.columns, full);
        let mut insert = self.conn.prepare_cached(&sql.insert)?;
        let mut update = self.conn.prepare_cached(&sql.update)?;
        let (mut added, mut changed) = (0, 0);
        for upsert in upserts {
            if upsert.columns.len() != self.columns.selected.len() {
                return Err(rusqlite::Error::InvalidParameterCount(
                    upsert.columns.len(),
                    self.columns.selected.len(),
                ));
            }
            let head: [&dyn ToSql; 4] = [&tenant, &upsert.id, &upsert.text, &round];
            let values = upsert.columns.iter().map(|v| v as &dyn ToSql);
            if insert.execute(params_from_iter(head.into_iter().chain(values.clone())))? == 1 {
                added += 1;
            } else {
                if sql.update_binds_columns {
                    update.execute(params_from_iter(head.into_iter().chain(values)))?;
                } else {
                    update.execute(params_from_iter(head))?;
                }
                changed += 1;
            }
        }
        Ok((added, changed))
    }

    async fn add_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>, Cow<'_, str>)],
        round: i64,
    ) -> rusqlite::Result<u64> {
        let mut add = self.conn.prepare_cached(
            "INSERT INTO memberships (tenant, group_id, member_id, member_type, seen_round) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant, group_id, member_id) DO UPDATE SET member_type = excluded.member_type, seen_round = excluded.seen_round",
        )?;
        let mut rows = 0;
        for (group, member, member_type) in members {
            rows += add.execute(params![tenant, group, member, member_type, round])? as u64;
        }
        Ok(rows)
    }

    async fn remove_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>)],
    ) -> rusqlite::Result<u64> {
        let mut remove = self.conn.prepare_cached(
            "DELETE FROM memberships WHERE tenant = ?1 AND group_id = ?2 AND member_id = ?3",
        )?;
        let mut rows = 0;
        for (group, member) in members {
            rows += remove.execute(params![tenant, group, member])? as u64;
        }
        Ok(rows)
    }

    async fn delete_unseen(
        &mut self,
        tenant: &str,
        table: &'static str,
        round: i64,
    ) -> rusqlite::Result<u64> {
        let rows = self
            .conn
            .prepare_cached(&format!(
                "DELETE FROM {table} WHERE tenant = ?1 AND seen_round < ?2"
            ))?
            .execute(params![tenant, round])?;
        Ok(rows as u64)
    }

    async fn groups_round_ended(&mut self) -> rusqlite::Result<()> {
        self.conn.execute_batch(ddl::SQLITE_MEMBER_INDEX)
    }

    async fn store_cursor(
        &mut self,
        tenant: &str,
        kind: Kind,
        next: &Cursor,
        ended_ms: Option<i64>,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO sync_state (tenant, kind, link, done, full_round, round, selection, round_ended_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (tenant, kind) DO UPDATE SET link = excluded.link, done = excluded.done,
                   full_round = excluded.full_round, round = excluded.round, selection = excluded.selection,
                   round_ended_ms = excluded.round_ended_ms",
            )?
            .execute(params![
                tenant,
                kind.name(),
                next.link,
                next.done,
                next.full,
                next.round,
                next.selection,
                ended_ms
            ])?;
        Ok(())
    }
}
