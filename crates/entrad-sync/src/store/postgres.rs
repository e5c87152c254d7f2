//! The mirror in PostgreSQL: one statement per kind of change per page (arrays
//! through `unnest`), one transaction per page, advisory locks per tenant.

use tokio_postgres::{Client, NoTls, Transaction};

use crate::changes::{Changes, Removal};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::store::migrations::{POSTGRES, VERSIONS_TABLE};
use crate::store::{Cursor, Store};
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
        Ok(PostgresStore { client, connection })
    }

    /// The client, for reading the mirror.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

async fn migrate(client: &mut Client) -> Result<()> {
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
        let tx = self
            .client
            .transaction()
            .await
            .map_err(Error::postgres(what()))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(Error::postgres(what()))?;
        for column in columns {
            // `column` is a checked property name (letters, digits, `_`).
            let sql = format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS \"{column}\" TEXT GENERATED ALWAYS AS (data->>'{column}') STORED"
            );
            tx.batch_execute(&sql)
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
        let tx = self
            .client
            .transaction()
            .await
            .map_err(Error::postgres(what()))?;
        let mut counts = write_page(&tx, tenant, kind, changes, next)
            .await
            .map_err(Error::postgres(what()))?;
        counts.pages = 1;
        tx.commit()
            .await
            .map_err(Error::postgres("committing a page"))?;
        Ok(counts)
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

/// Ids of the removals of one reason.
fn removed<'c>(changes: &'c Changes<'_>, reason: Removal) -> Vec<&'c str> {
    changes
        .removals
        .iter()
        .filter(|(_, r)| *r == reason)
        .map(|(id, _)| id.as_ref())
        .collect()
}

/// The page's writes, the cursor, and at the end of a full round the sweep.
async fn write_page(
    tx: &Transaction<'_>,
    tenant: &str,
    kind: Kind,
    changes: &Changes<'_>,
    next: &Cursor,
) -> Result<Counts, tokio_postgres::Error> {
    let table = kind.table();
    let mut counts = Counts::default();
    let soft = removed(changes, Removal::Changed);
    if !soft.is_empty() {
        counts.removed += tx
            .execute(
                &format!("UPDATE {table} SET removed = 'changed', seen_round = $3 WHERE tenant = $1 AND id = ANY($2) AND removed IS NULL"),
                &[&tenant, &soft, &next.round],
            )
            .await?;
    }
    let hard = removed(changes, Removal::Deleted);
    if !hard.is_empty() {
        if kind == Kind::Groups {
            tx.execute(
                "DELETE FROM memberships WHERE tenant = $1 AND group_id = ANY($2)",
                &[&tenant, &hard],
            )
            .await?;
        }
        counts.removed += tx
            .execute(
                &format!("DELETE FROM {table} WHERE tenant = $1 AND id = ANY($2)"),
                &[&tenant, &hard],
            )
            .await?;
    }
    if !changes.upserts.is_empty() {
        let ids: Vec<&str> = changes.upserts.iter().map(|u| u.id.as_ref()).collect();
        let data: Vec<&str> = changes.upserts.iter().map(|u| u.text.as_ref()).collect();
        // A full round brings whole objects; a round of changes may bring only
        // the changed properties, merged into the stored object.
        let row = tx
            .query_one(
                &format!(
                    "WITH written AS (
                       INSERT INTO {table} AS t (tenant, id, data, removed, seen_round)
                       SELECT $1, u.id, u.data::jsonb, NULL, $4 FROM unnest($2::text[], $3::text[]) AS u (id, data)
                       ON CONFLICT (tenant, id) DO UPDATE SET
                         data = CASE WHEN $5 THEN excluded.data ELSE t.data || excluded.data END,
                         removed = NULL, seen_round = excluded.seen_round
                       RETURNING (xmax = 0) AS inserted)
                     SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
                ),
                &[&tenant, &ids, &data, &next.round, &next.full],
            )
            .await?;
        counts.added += row.get::<_, i64>(0) as u64;
        counts.changed += row.get::<_, i64>(1) as u64;
    }
    if !changes.members_added.is_empty() {
        let groups: Vec<&str> = changes.members_added.iter().map(|m| m.0.as_ref()).collect();
        let members: Vec<&str> = changes.members_added.iter().map(|m| m.1.as_ref()).collect();
        let types: Vec<&str> = changes.members_added.iter().map(|m| m.2.as_ref()).collect();
        counts.members_added += tx
            .execute(
                "INSERT INTO memberships (tenant, group_id, member_id, member_type, seen_round)
                 SELECT $1, m.g, m.m, m.t, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS m (g, m, t)
                 ON CONFLICT (tenant, group_id, member_id) DO UPDATE SET
                   member_type = excluded.member_type, seen_round = excluded.seen_round",
                &[&tenant, &groups, &members, &types, &next.round],
            )
            .await?;
    }
    if !changes.members_removed.is_empty() {
        let groups: Vec<&str> = changes
            .members_removed
            .iter()
            .map(|m| m.0.as_ref())
            .collect();
        let members: Vec<&str> = changes
            .members_removed
            .iter()
            .map(|m| m.1.as_ref())
            .collect();
        counts.members_removed += tx
            .execute(
                "DELETE FROM memberships AS s USING unnest($2::text[], $3::text[]) AS m (g, m)
                 WHERE s.tenant = $1 AND s.group_id = m.g AND s.member_id = m.m",
                &[&tenant, &groups, &members],
            )
            .await?;
    }
    if next.done && next.full {
        counts.removed += tx
            .execute(
                &format!("DELETE FROM {table} WHERE tenant = $1 AND seen_round < $2"),
                &[&tenant, &next.round],
            )
            .await?;
        if kind == Kind::Groups {
            counts.members_removed += tx
                .execute(
                    "DELETE FROM memberships WHERE tenant = $1 AND seen_round < $2",
                    &[&tenant, &next.round],
                )
                .await?;
        }
    }
    tx.execute(
        "INSERT INTO sync_state (tenant, kind, link, done, full_round, round, selection) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant, kind) DO UPDATE SET link = excluded.link, done = excluded.done,
           full_round = excluded.full_round, round = excluded.round, selection = excluded.selection",
        &[&tenant, &kind.name(), &next.link, &next.done, &next.full, &next.round, &next.selection],
    )
    .await?;
    Ok(counts)
}
