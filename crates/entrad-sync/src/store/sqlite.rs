//! The mirror in a SQLite file (WAL mode, one transaction per page).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, ToSql, Transaction, params, params_from_iter};

use crate::changes::{Changes, ColumnValue, Removal};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::selection::RESERVED;
use crate::store::checkpointer::Checkpointer;
use crate::store::migrations::{SQLITE, VERSIONS_TABLE};
use crate::store::{Cursor, Store};
use crate::summary::Counts;

/// A SQLite database file. Several processes may share it: writers take
/// turns (a busy writer is waited for up to a minute).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    columns: HashMap<Kind, Columns>,
    /// `None`: SQLite's automatic checkpoints, in the commits.
    checkpointer: Option<Checkpointer>,
}

/// A table's property columns. They are plain columns that each write fills:
/// generated columns (`json_extract` over `data`) are computed by SQLite on
/// every insert, even VIRTUAL ones, which parsed every object a second time
/// and cost a tenth of a sync; the values come from the parse that reads the
/// item anyway ([`Upsert::columns`](crate::Upsert::columns)).
#[derive(Debug, Default)]
struct Columns {
    /// The selection's, in its order: their values come with each upsert.
    selected: Vec<String>,
    /// Left from an earlier selection: still kept equal to `data`, by SQLite.
    others: Vec<String>,
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
        })
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
        let existing: Vec<(String, i64)> = {
            let mut statement = self
                .conn
                .prepare(&format!(
                    "SELECT name, hidden FROM pragma_table_xinfo('{table}')"
                ))
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
                    .execute(&format!("ALTER TABLE {table} DROP COLUMN \"{name}\""), [])
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
        let others = extra
            .into_iter()
            .filter(|c| !columns.iter().any(|s| s.eq_ignore_ascii_case(c)))
            .collect();
        let selected = columns.iter().map(|c| (*c).to_owned()).collect();
        self.columns.insert(kind, Columns { selected, others });
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
        let columns = self.columns.get(&kind).ok_or_else(|| {
            Error::Config(format!(
                "the {kind} columns were not set up (add_columns) before a page"
            ))
        })?;
        let mut counts = write_page(&tx, tenant, kind, columns, changes, next)
            .map_err(Error::sqlite(format!("applying a page of {kind}")))?;
        counts.pages = 1;
        tx.commit().map_err(Error::sqlite("committing a page"))?;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed();
        }
        Ok(counts)
    }

    async fn try_lock(&mut self, _tenant: &str) -> Result<bool> {
        Ok(true)
    }

    async fn unlock(&mut self, _tenant: &str) -> Result<()> {
        Ok(())
    }
}

impl SqliteStore {
    /// Adds `column` to `table`, filled from each row's `data`. `column` is a
    /// checked property name (letters, digits, `_`): safe in quotes and in a path.
    fn add_plain_column(&self, table: &str, column: &str) -> Result<()> {
        let what = || format!("adding the column {table}.{column}");
        self.conn
            .execute(&format!("ALTER TABLE {table} ADD COLUMN \"{column}\""), [])
            .map_err(Error::sqlite(what()))?;
        self.conn
            .execute(
                &format!("UPDATE {table} SET \"{column}\" = json_extract(data, '$.{column}')"),
                [],
            )
            .map_err(Error::sqlite(what()))?;
        Ok(())
    }
}

impl ToSql for ColumnValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            ColumnValue::Null => ValueRef::Null,
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

/// The page's writes, the cursor, and at the end of a full round the sweep.
fn write_page(
    tx: &Transaction<'_>,
    tenant: &str,
    kind: Kind,
    columns: &Columns,
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
    // the changed properties, merged into the stored object. New rows first
    // (the whole first round): one statement each; a row that exists is left
    // alone by the insert, then updated.
    let sql = UpsertSql::new(table, columns, next.full);
    let mut insert = tx.prepare_cached(&sql.insert)?;
    let mut update = tx.prepare_cached(&sql.update)?;
    for upsert in &changes.upserts {
        if upsert.columns.len() != columns.selected.len() {
            return Err(rusqlite::Error::InvalidParameterCount(
                upsert.columns.len(),
                columns.selected.len(),
            ));
        }
        let head: [&dyn ToSql; 4] = [&tenant, &upsert.id, &upsert.text, &next.round];
        let values = upsert.columns.iter().map(|v| v as &dyn ToSql);
        if insert.execute(params_from_iter(head.into_iter().chain(values.clone())))? == 1 {
            counts.added += 1;
        } else {
            if sql.update_binds_columns {
                update.execute(params_from_iter(head.into_iter().chain(values)))?;
            } else {
                update.execute(params_from_iter(head))?;
            }
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
    if next.done && kind == Kind::Groups {
        // Built once the members are in (see migration 0002), then kept.
        tx.execute(
            "CREATE INDEX IF NOT EXISTS memberships_member ON memberships (tenant, member_id)",
            [],
        )?;
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
