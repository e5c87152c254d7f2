//! The mirror in PostgreSQL: one statement per kind of change per page (arrays
//! through `unnest`), one transaction per page, advisory locks per tenant.
//!
//! Round trips are what a page costs beyond the server's own work (on a
//! busy machine each one waits for the server's process to be scheduled), so
//! each statement is prepared once per connection and a page's statements are
//! sent together when it commits: `BEGIN`, its writes, the cursor, `COMMIT`,
//! pipelined, answered together: one round trip per page.

use std::borrow::Cow;
use std::collections::HashMap;

use futures_util::future::{try_join_all, try_join4};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

use crate::changes::{Changes, Upsert};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::store::migrations::{POSTGRES, VERSIONS_TABLE};
use crate::store::page::{MEMBERSHIPS, PageWriter, write_page};
use crate::store::{Cursor, Store};
use crate::store::{ddl, nul};
use crate::summary::Counts;

/// The advisory lock key of schema changes (migrations, added columns), so
/// that workers starting together take turns.
const SCHEMA_LOCK: i64 = 0x656e_7472_6164_0001;

/// A connection to a PostgreSQL database (plain TCP or a unix socket; TLS
/// is not supported yet: use a loopback or socket connection, or a tunnel).
#[derive(Debug)]
pub struct PostgresStore {
    client: Client,
    connection: tokio::task::JoinHandle<()>,
    /// The page statements prepared on this connection, by their SQL.
    prepared: HashMap<String, Statement>,
    /// A page's transaction was left open (its future dropped mid-page): it
    /// is rolled back before the next page.
    open: bool,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

impl PostgresStore {
    /// Connects with `url` and applies the migrations.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let (mut client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .map_err(Error::postgres("connecting"))?;
        let connection = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("the PostgreSQL connection ended: {e}");
            }
        });
        migrate(&mut client).await?;
        Ok(PostgresStore {
            client,
            connection,
            prepared: HashMap::new(),
            open: false,
        })
    }
}

/// Applies the migrations not applied yet. Every run of every worker starts
/// here, so a database that has them all is seen with one query, without
/// the schema lock.
async fn migrate(client: &mut Client) -> Result<()> {
    if let Ok(rows) = client
        .simple_query("SELECT version FROM schema_migrations")
        .await
    {
        let applied: Vec<i64> = rows
            .iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0)?.parse().ok(),
                _ => None,
            })
            .collect();
        if POSTGRES
            .iter()
            .all(|(version, _)| applied.contains(version))
        {
            return Ok(());
        }
    }
    let tx = client
        .transaction()
        .await
        .map_err(Error::postgres("starting the migrations"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(Error::postgres("waiting for the schema lock"))?;
    tx.batch_execute(VERSIONS_TABLE)
        .await
        .map_err(Error::postgres("creating schema_migrations"))?;
    for (version, sql) in POSTGRES {
        let done = tx
            .query_opt(
                "SELECT version FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await
            .map_err(Error::postgres("reading schema_migrations"))?;
        if done.is_none() {
            tx.batch_execute(sql)
                .await
                .map_err(Error::postgres(format!("applying migration {version}")))?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await
            .map_err(Error::postgres("recording a migration"))?;
        }
    }
    tx.commit()
        .await
        .map_err(Error::postgres("committing the migrations"))
}

/// The lock key of a tenant: a 64-bit hash of its name, computed by the server.
const TENANT_KEY: &str = "hashtextextended('entrad-sync:' || $1, 0)";

impl Store for PostgresStore {
    async fn add_columns(&mut self, kind: Kind, columns: &[&str]) -> Result<()> {
        let table = kind.table();
        let what = || format!("adding columns to {table}");
        // ALTER TABLE locks the table against every other worker's pages,
        // even when the column exists: only missing columns are added.
        let existing: Vec<String> = self
            .client
            .query(
                "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped",
                &[&table],
            )
            .await
            .map_err(Error::postgres(what()))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|column| !existing.iter().any(|e| e == column))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let tx = self
            .client
            .transaction()
            .await
            .map_err(Error::postgres(what()))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(Error::postgres(what()))?;
        for column in missing {
            tx.batch_execute(&ddl::postgres_add_column(table, column))
                .await
                .map_err(Error::postgres(format!(
                    "adding the column {table}.{column}"
                )))?;
        }
        tx.commit().await.map_err(Error::postgres(what()))
    }

    async fn cursor(&mut self, tenant: &str, kind: Kind) -> Result<Option<Cursor>> {
        let row = self
            .client
            .query_opt(
                "SELECT link, done, full_round, round, selection FROM sync_state WHERE tenant = $1 AND kind = $2",
                &[&tenant, &kind.name()],
            )
            .await
            .map_err(Error::postgres("reading the sync state"))?;
        Ok(row.map(|row| Cursor {
            link: row.get(0),
            done: row.get(1),
            full: row.get(2),
            round: row.get(3),
            selection: row.get(4),
        }))
    }

    async fn apply(
        &mut self,
        tenant: &str,
        kind: Kind,
        changes: &Changes<'_>,
        next: &Cursor,
    ) -> Result<Counts> {
        let what = || format!("applying a page of {kind}");
        if self.open {
            self.client
                .batch_execute("ROLLBACK")
                .await
                .map_err(Error::postgres(what()))?;
            self.open = false;
        }
        self.open = true;
        let mut page = Page {
            client: &self.client,
            prepared: &mut self.prepared,
            writes: Vec::new(),
            cursor: None,
        };
        // Nothing is sent yet (but statements to prepare): a failure here
        // leaves no transaction open.
        let mut counts = write_page(&mut page, tenant, kind, changes, next)
            .await
            .map_err(Error::postgres(what()))?;
        let written = page
            .commit()
            .await
            .map_err(Error::postgres("committing a page"))?;
        self.open = false;
        counts += written;
        Ok(counts)
    }

    async fn round_ended(&mut self, tenant: &str, kind: Kind) -> Result<Option<i64>> {
        let row = self
            .client
            .query_opt(
                "SELECT round_ended_ms FROM sync_state WHERE tenant = $1 AND kind = $2",
                &[&tenant, &kind.name()],
            )
            .await
            .map_err(Error::postgres("reading the sync state"))?;
        Ok(row.and_then(|row| row.get(0)))
    }

    async fn try_lock(&mut self, tenant: &str) -> Result<bool> {
        let row = self
            .client
            .query_one(
                &format!("SELECT pg_try_advisory_lock({TENANT_KEY})"),
                &[&tenant],
            )
            .await
            .map_err(Error::postgres("taking the tenant's advisory lock"))?;
        Ok(row.get(0))
    }

    async fn unlock(&mut self, tenant: &str) -> Result<()> {
        self.client
            .execute(
                &format!("SELECT pg_advisory_unlock({TENANT_KEY})"),
                &[&tenant],
            )
            .await
            .map_err(Error::postgres("releasing the tenant's advisory lock"))?;
        Ok(())
    }
}

/// A page's transaction, sent when it commits ([`Page::commit`]): the
/// writers queue their statements, with the values they bind.
struct Page<'c> {
    client: &'c Client,
    prepared: &'c mut HashMap<String, Statement>,
    /// The page's writes, in order.
    writes: Vec<Write>,
    /// The cursor's statement and its values.
    cursor: Option<(Statement, CursorValues)>,
}

/// A queued statement and what its result counts for.
struct Write {
    statement: Statement,
    values: Vec<Box<dyn ToSql + Send + Sync>>,
    tally: Tally,
}

/// What a statement's result adds to the page's [`Counts`].
#[derive(Clone, Copy)]
enum Tally {
    /// Rows removed.
    Removed,
    /// Memberships added.
    MembersAdded,
    /// Memberships removed.
    MembersRemoved,
    /// Nothing (the memberships of deleted groups).
    Nothing,
    /// The upsert's one row: (added, changed).
    Upserted,
}

/// The values of the `sync_state` row.
struct CursorValues {
    tenant: String,
    kind: &'static str,
    next: Cursor,
    ended_ms: Option<i64>,
}

impl CursorValues {
    fn params(&self) -> [&(dyn ToSql + Sync); 8] {
        [
            &self.tenant,
            &self.kind,
            &self.next.link,
            &self.next.done,
            &self.next.full,
            &self.next.round,
            &self.next.selection,
            &self.ended_ms,
        ]
    }
}

impl Page<'_> {
    /// `sql`, prepared once per connection (before anything of the page is
    /// sent: nothing waits behind it).
    async fn prepare(&mut self, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).await?;
        self.prepared.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Queues `sql` with `values`; its result is counted at the commit.
    async fn queue(
        &mut self,
        sql: &str,
        values: Vec<Box<dyn ToSql + Send + Sync>>,
        tally: Tally,
    ) -> Result<u64, tokio_postgres::Error> {
        let statement = self.prepare(sql).await?;
        self.writes.push(Write {
            statement,
            values,
            tally,
        });
        Ok(0)
    }

    /// Sends `BEGIN`, the writes, the cursor and `COMMIT` at once (each
    /// future sends its request when first polled, in this order) and
    /// returns what the writes counted. A statement that fails leaves the
    /// transaction aborted: the later ones fail too, `COMMIT` rolls back, and
    /// the first failure is returned.
    async fn commit(self) -> Result<Counts, tokio_postgres::Error> {
        let client = self.client;
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = self
            .writes
            .iter()
            .map(|write| {
                write
                    .values
                    .iter()
                    .map(|value| value.as_ref() as &(dyn ToSql + Sync))
                    .collect()
            })
            .collect();
        let writes = self
            .writes
            .iter()
            .zip(&params)
            .map(|(write, params)| async move {
                let mut counts = Counts::default();
                if let Tally::Upserted = write.tally {
                    let row = client.query_one(&write.statement, params).await?;
                    counts.added = row.get::<_, i64>(0) as u64;
                    counts.changed = row.get::<_, i64>(1) as u64;
                    return Ok(counts);
                }
                let rows = client.execute(&write.statement, params).await?;
                match write.tally {
                    Tally::Removed => counts.removed = rows,
                    Tally::MembersAdded => counts.members_added = rows,
                    Tally::MembersRemoved => counts.members_removed = rows,
                    Tally::Nothing | Tally::Upserted => {}
                }
                Ok::<_, tokio_postgres::Error>(counts)
            });
        let cursor = async {
            match &self.cursor {
                Some((statement, values)) => client.execute(statement, &values.params()).await,
                None => Ok(0),
            }
        };
        let (_, written, _, _) = try_join4(
            client.batch_execute("BEGIN"),
            try_join_all(writes),
            cursor,
            client.batch_execute("COMMIT"),
        )
        .await?;
        let mut total = Counts::default();
        for counts in written {
            total += counts;
        }
        Ok(total)
    }
}

/// Owned strings as PostgreSQL can store them, for a queued statement.
fn escaped_owned<'a>(texts: impl Iterator<Item = &'a str>) -> Box<dyn ToSql + Send + Sync> {
    Box::new(
        texts
            .map(|text| nul::escape_text(text).into_owned())
            .collect::<Vec<String>>(),
    )
}

impl PageWriter for Page<'_> {
    type Error = tokio_postgres::Error;

    async fn mark_removed(
        &mut self,
        tenant: &str,
        table: &'static str,
        ids: &[&str],
        round: i64,
    ) -> Result<u64, tokio_postgres::Error> {
        self.queue(
            &format!("UPDATE {table} SET removed = 'changed', seen_round = $3 WHERE tenant = $1 AND id = ANY($2) AND removed IS NULL"),
            vec![Box::new(tenant.to_owned()), escaped_owned(ids.iter().copied()), Box::new(round)],
            Tally::Removed,
        )
        .await
    }

    async fn delete(
        &mut self,
        tenant: &str,
        table: &'static str,
        ids: &[&str],
    ) -> Result<u64, tokio_postgres::Error> {
        self.queue(
            &format!("DELETE FROM {table} WHERE tenant = $1 AND id = ANY($2)"),
            vec![
                Box::new(tenant.to_owned()),
                escaped_owned(ids.iter().copied()),
            ],
            Tally::Removed,
        )
        .await
    }

    async fn delete_memberships_of(
        &mut self,
        tenant: &str,
        groups: &[&str],
    ) -> Result<u64, tokio_postgres::Error> {
        self.queue(
            "DELETE FROM memberships WHERE tenant = $1 AND group_id = ANY($2)",
            vec![
                Box::new(tenant.to_owned()),
                escaped_owned(groups.iter().copied()),
            ],
            Tally::Nothing,
        )
        .await
    }

    /// The rows that exist are updated, then the others inserted: a plain
    /// insert, where `INSERT ... ON CONFLICT` inserts speculatively (an index
    /// probe, the insert, the index entry, a confirmation): a quarter more of
    /// the server's time for a new row. This relies on one writer per tenant
    /// at a time (the advisory lock; another would make the page fail on the
    /// key, to be applied again) and on a page holding each id once
    /// (`Changes::read`).
    async fn upsert(
        &mut self,
        tenant: &str,
        table: &'static str,
        upserts: &[Upsert<'_>],
        round: i64,
        full: bool,
    ) -> Result<(u64, u64), tokio_postgres::Error> {
        let data: Vec<String> = upserts
            .iter()
            .map(|u| nul::escape_json(&u.text).into_owned())
            .collect();
        self.queue(
            &format!(
                "WITH u AS (SELECT * FROM unnest($2::text[], $3::text[]) AS u (id, data)),
                 updated AS (
                   UPDATE {table} AS t SET
                     data = CASE WHEN $5 THEN u.data::jsonb ELSE t.data || u.data::jsonb END,
                     removed = NULL, seen_round = $4
                   FROM u WHERE t.tenant = $1 AND t.id = u.id
                   RETURNING t.id),
                 inserted AS (
                   INSERT INTO {table} (tenant, id, data, removed, seen_round)
                   SELECT $1, u.id, u.data::jsonb, NULL, $4 FROM u
                   WHERE NOT EXISTS (SELECT FROM updated WHERE updated.id = u.id)
                   RETURNING 1)
                 SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)"
            ),
            vec![
                Box::new(tenant.to_owned()),
                escaped_owned(upserts.iter().map(|u| u.id.as_ref())),
                Box::new(data),
                Box::new(round),
                Box::new(full),
            ],
            Tally::Upserted,
        )
        .await?;
        Ok((0, 0))
    }

    async fn add_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>, Cow<'_, str>)],
        round: i64,
    ) -> Result<u64, tokio_postgres::Error> {
        self.queue(
            "INSERT INTO memberships (tenant, group_id, member_id, member_type, seen_round)
             SELECT $1, m.g, m.m, m.t, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS m (g, m, t)
             ON CONFLICT (tenant, group_id, member_id) DO UPDATE SET
               member_type = excluded.member_type, seen_round = excluded.seen_round",
            vec![
                Box::new(tenant.to_owned()),
                escaped_owned(members.iter().map(|m| m.0.as_ref())),
                escaped_owned(members.iter().map(|m| m.1.as_ref())),
                escaped_owned(members.iter().map(|m| m.2.as_ref())),
                Box::new(round),
            ],
            Tally::MembersAdded,
        )
        .await
    }

    async fn remove_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>)],
    ) -> Result<u64, tokio_postgres::Error> {
        self.queue(
            "DELETE FROM memberships AS s USING unnest($2::text[], $3::text[]) AS m (g, m)
             WHERE s.tenant = $1 AND s.group_id = m.g AND s.member_id = m.m",
            vec![
                Box::new(tenant.to_owned()),
                escaped_owned(members.iter().map(|m| m.0.as_ref())),
                escaped_owned(members.iter().map(|m| m.1.as_ref())),
            ],
            Tally::MembersRemoved,
        )
        .await
    }

    async fn delete_unseen(
        &mut self,
        tenant: &str,
        table: &'static str,
        round: i64,
    ) -> Result<u64, tokio_postgres::Error> {
        let tally = if table == MEMBERSHIPS {
            Tally::MembersRemoved
        } else {
            Tally::Removed
        };
        self.queue(
            &format!("DELETE FROM {table} WHERE tenant = $1 AND seen_round < $2"),
            vec![Box::new(tenant.to_owned()), Box::new(round)],
            tally,
        )
        .await
    }

    /// The member index is made by migration 0001 and kept all along.
    async fn groups_round_ended(&mut self) -> Result<(), tokio_postgres::Error> {
        Ok(())
    }

    async fn store_cursor(
        &mut self,
        tenant: &str,
        kind: Kind,
        next: &Cursor,
        ended_ms: Option<i64>,
    ) -> Result<(), tokio_postgres::Error> {
        let statement = self.prepare(
            "INSERT INTO sync_state (tenant, kind, link, done, full_round, round, selection, round_ended_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (tenant, kind) DO UPDATE SET link = excluded.link, done = excluded.done,
               full_round = excluded.full_round, round = excluded.round, selection = excluded.selection,
               round_ended_ms = excluded.round_ended_ms",
        )
        .await?;
        let values = CursorValues {
            tenant: tenant.to_owned(),
            kind: kind.name(),
            next: next.clone(),
            ended_ms,
        };
        self.cursor = Some((statement, values));
        Ok(())
    }
}
