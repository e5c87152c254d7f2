//! The mirror in PostgreSQL: one statement per kind of change per page (arrays
//! through `unnest`), one transaction per page, advisory locks per tenant.
//!
//! What a page costs beyond the server's own work is waiting: for round trips
//! (on a busy machine each one waits for the server's process to be
//! scheduled) and, in turn, the client and the server for each other. So each
//! statement is prepared once per connection, a page's statements (`BEGIN`,
//! its writes, the cursor, `COMMIT`) are put on the connection together when
//! it is sent ([`Store::send`]), and the next page is read and sent before
//! the answers of the one before are read ([`Store::applied`]): the server
//! writes a page while the client reads the next. A page sent behind another
//! starts by checking that the other was committed (its cursor is the stored
//! one: `entrad_sync_expect_cursor`, migration 0003), so that after a page
//! that fails, the pages behind it fail too and the stored cursor never skips
//! a page.
//!
//! A full round writes every object, and in a tenant's first round (the
//! initial load, the longest sync there is) every one is new: its objects are
//! written with a plain `INSERT`, which costs the server a quarter less than
//! updating the rows that exist first (an index probe per object) or
//! `INSERT ... ON CONFLICT`. When one exists after all (a full round over an
//! existing mirror, an object sent twice in a round), the insert fails on the
//! key, and the page and those behind it are sent again with the statements
//! that update what exists: the rest of that round uses them from the start.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use futures_util::FutureExt;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use crate::changes::{Changes, ColumnValue, Upsert};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::store::columns::Columns;
use crate::store::migrations::{POSTGRES, POSTGRES_SCHEMA, VERSIONS_TABLE};
use crate::store::page::{MEMBERSHIPS, PageWriter, write_page};
use crate::store::{Cursor, Store};
use crate::store::{ddl, nul};
use crate::summary::Counts;

/// The advisory lock key of schema changes (migrations, added columns), so
/// that workers starting together take turns.
const SCHEMA_LOCK: i64 = 0x656e_7472_6164_0001;

/// Where the round stands after a page, the last statement of its transaction.
const CURSOR: &str = "INSERT INTO sync_state (tenant, kind, link, done, full_round, round, selection, round_ended_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant, kind) DO UPDATE SET link = excluded.link, done = excluded.done,
       full_round = excluded.full_round, round = excluded.round, selection = excluded.selection,
       round_ended_ms = excluded.round_ended_ms";

/// The check that opens a page sent behind another (migration 0003).
const EXPECT_CURSOR: &str = "SELECT entrad_sync_expect_cursor($1, $2, $3, $4)";

/// A connection to a PostgreSQL database (plain TCP or a unix socket; TLS
/// is not supported yet: use a loopback or socket connection, or a tunnel).
#[derive(Debug)]
pub struct PostgresStore {
    client: Arc<Client>,
    connection: tokio::task::JoinHandle<()>,
    /// The page statements prepared on this connection, by their SQL.
    prepared: HashMap<String, Statement>,
    /// Each kind's property columns, set by [`Store::add_columns`].
    columns: HashMap<Kind, Columns>,
    /// The index of memberships by member is known to exist (or to be on
    /// its way, in a page sent).
    member_index: bool,
    /// Pages sent whose answers were not read yet, oldest first.
    sent: VecDeque<Sent>,
    /// The full rounds (tenant, kind, round) in which a plain insert met an
    /// existing row: their later pages update what exists from the start.
    upserting: HashSet<(String, Kind, i64)>,
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
            client: Arc::new(client),
            connection,
            prepared: HashMap::new(),
            columns: HashMap::new(),
            member_index: false,
            sent: VecDeque::new(),
            upserting: HashSet::new(),
        })
    }
}

/// Applies the migrations not applied yet, or to a new database the schema
/// they build, at once. Every run of every worker starts here, so a
/// database that has them all is seen with one query, without the schema
/// lock.
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
    let new: bool = tx
        .query_one(
            "SELECT NOT EXISTS (SELECT FROM schema_migrations) AND to_regclass('users') IS NULL",
            &[],
        )
        .await
        .map_err(Error::postgres("reading schema_migrations"))?
        .get(0);
    if new {
        let versions: Vec<i64> = POSTGRES.iter().map(|(version, _)| *version).collect();
        tx.batch_execute(POSTGRES_SCHEMA)
            .await
            .map_err(Error::postgres("creating the schema"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version) SELECT unnest($1::bigint[])",
            &[&versions],
        )
        .await
        .map_err(Error::postgres("recording the migrations"))?;
        return tx
            .commit()
            .await
            .map_err(Error::postgres("committing the schema"));
    }
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

impl PostgresStore {
    /// `sql`, prepared once per connection.
    async fn prepare(&mut self, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        prepare(&self.client, &mut self.prepared, sql, &[]).await
    }

    /// Puts `page` on the connection behind the pages already sent.
    async fn push(&mut self, page: Arc<PageTx>, fallbacks: bool) -> Result<()> {
        let expect = self
            .prepare(EXPECT_CURSOR)
            .await
            .map_err(Error::postgres("preparing a page"))?;
        let after = self.sent.back().map(|sent| Arc::clone(&sent.page));
        let answers = send_page(
            Arc::clone(&self.client),
            Arc::clone(&page),
            after,
            fallbacks,
            expect,
        )
        .await;
        self.sent.push_back(Sent {
            page,
            fallbacks,
            answers,
        });
        Ok(())
    }
}

/// `sql` with its parameters' `types` (empty: the server infers them),
/// prepared once per connection (before anything of a page is sent: nothing
/// waits behind it).
async fn prepare(
    client: &Client,
    prepared: &mut HashMap<String, Statement>,
    sql: &str,
    types: &[Type],
) -> Result<Statement, tokio_postgres::Error> {
    if let Some(statement) = prepared.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare_typed(sql, types).await?;
    prepared.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

/// The names of `table`'s columns.
async fn existing_columns(
    client: &Client,
    table: &str,
) -> Result<Vec<String>, tokio_postgres::Error> {
    Ok(client
        .query(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped",
            &[&table],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect())
}

impl Store for PostgresStore {
    async fn add_columns(&mut self, kind: Kind, columns: &[&str]) -> Result<()> {
        let table = kind.table();
        let what = || format!("adding columns to {table}");
        let mut existing = existing_columns(&self.client, table)
            .await
            .map_err(Error::postgres(what()))?;
        // ALTER TABLE locks the table against every other worker's pages,
        // even when the column exists: only missing columns are added, and
        // seen missing again under the schema lock (another worker may
        // have added them meanwhile).
        if columns.iter().any(|c| !existing.iter().any(|e| e == c)) {
            let tx = Open::begin(&self.client)
                .await
                .map_err(Error::postgres(what()))?;
            tx.client
                .execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
                .await
                .map_err(Error::postgres(what()))?;
            existing = existing_columns(tx.client, table)
                .await
                .map_err(Error::postgres(what()))?;
            for column in columns {
                if existing.iter().any(|e| e == column) {
                    continue;
                }
                for sql in ddl::postgres_add_column(table, column) {
                    tx.client
                        .batch_execute(&sql)
                        .await
                        .map_err(Error::postgres(format!(
                            "adding the column {table}.{column}"
                        )))?;
                }
                existing.push((*column).to_owned());
            }
            tx.commit().await.map_err(Error::postgres(what()))?;
        }
        // Quoted names: PostgreSQL's column names are case-sensitive.
        self.columns
            .insert(kind, Columns::new(existing, columns, |a, b| a == b));
        if kind == Kind::Groups && !self.member_index {
            self.member_index = self
                .client
                .query_one("SELECT to_regclass('memberships_member') IS NOT NULL", &[])
                .await
                .map_err(Error::postgres("looking for the member index"))?
                .get(0);
        }
        Ok(())
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
        if let Some(upsert) = changes
            .upserts
            .iter()
            .find(|u| u.columns.len() != columns.selected.len())
        {
            return Err(Error::Config(format!(
                "an object of {kind} came with {} column values for the {} columns selected",
                upsert.columns.len(),
                columns.selected.len()
            )));
        }
        let insert_only = next.full
            && !self
                .upserting
                .contains(&(tenant.to_owned(), kind, next.round));
        let mut writer = Writer {
            client: &self.client,
            prepared: &mut self.prepared,
            columns,
            member_index: &mut self.member_index,
            builds_member_index: false,
            insert_only,
            writes: Vec::new(),
            ended_ms: None,
        };
        // Nothing is sent yet (but statements to prepare): a failure here
        // leaves nothing behind.
        let what = || format!("applying a page of {kind}");
        let counts = write_page(&mut writer, tenant, kind, changes, next)
            .await
            .map_err(Error::postgres(what()))?;
        let Writer {
            writes,
            ended_ms,
            builds_member_index,
            ..
        } = writer;
        let statement = self
            .prepare(CURSOR)
            .await
            .map_err(Error::postgres(what()))?;
        let values = CursorValues {
            tenant: tenant.to_owned(),
            kind: kind.name(),
            next: next.clone(),
            ended_ms,
        };
        let page = Arc::new(PageTx {
            kind,
            counts,
            writes,
            cursor: (statement, values),
            builds_member_index,
        });
        self.push(page, false).await
    }

    async fn applied(&mut self) -> Result<Option<Counts>> {
        loop {
            let Some(oldest) = self.sent.front_mut() else {
                return Ok(None);
            };
            let result = (&mut oldest.answers).await;
            match result {
                Ok(counts) => {
                    if let Some(sent) = self.sent.pop_front()
                        && sent.page.builds_member_index
                    {
                        build_member_index(&self.client)
                            .await
                            .map_err(Error::postgres(
                                "building the index of memberships by member",
                            ))?;
                    }
                    return Ok(Some(counts));
                }
                Err(failure) if failure.existing_row && !oldest.fallbacks => {
                    // The pages behind it were checked against its cursor and
                    // fail too: all are sent again, updating what exists.
                    let pages: Vec<Arc<PageTx>> =
                        self.sent.drain(..).map(|sent| sent.page).collect();
                    for page in pages {
                        let values = &page.cursor.1;
                        self.upserting.insert((
                            values.tenant.clone(),
                            page.kind,
                            values.next.round,
                        ));
                        self.push(page, true).await?;
                    }
                }
                Err(failure) => {
                    let kind = oldest.page.kind;
                    self.sent.pop_front();
                    return Err(Error::postgres(format!("applying a page of {kind}"))(
                        failure.error,
                    ));
                }
            }
        }
    }

    fn pending(&self) -> usize {
        self.sent.len()
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

/// A transaction outside the pages (a schema change), rolled back if it is
/// dropped before its commit (a failure, a cancelled future), as
/// tokio-postgres' own `Transaction` is: the connection is shared with the
/// pages on their way, so it is held as `&Client`.
struct Open<'c> {
    client: &'c Client,
    done: bool,
}

impl<'c> Open<'c> {
    async fn begin(client: &'c Client) -> Result<Open<'c>, tokio_postgres::Error> {
        // The guard first: a future dropped once `BEGIN` is sent rolls back.
        let open = Open {
            client,
            done: false,
        };
        client.batch_execute("BEGIN").await?;
        Ok(open)
    }

    async fn commit(mut self) -> Result<(), tokio_postgres::Error> {
        self.done = true;
        self.client.batch_execute("COMMIT").await
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Sent when first polled; its answer is not awaited.
            let _ = self.client.batch_execute("ROLLBACK").now_or_never();
        }
    }
}

/// Builds the index of memberships by member if there is none, in a
/// transaction of its own after the page that ended the round: inside a
/// page's transaction, holding that page's row locks, the index's share lock
/// on the table would wait for another worker's page, which may be waiting
/// for the schema lock this one holds. Two workers ending a round together
/// build it once (the schema lock). If this fails or never runs, the index
/// is built at the end of a later round.
async fn build_member_index(client: &Client) -> Result<(), tokio_postgres::Error> {
    let tx = Open::begin(client).await?;
    tx.client
        .execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await?;
    tx.client.batch_execute(ddl::POSTGRES_MEMBER_INDEX).await?;
    tx.commit().await
}

/// A page on its way: its transaction (kept to send it again) and its answers.
struct Sent {
    page: Arc<PageTx>,
    /// It was sent with its writes' fallbacks.
    fallbacks: bool,
    answers: Answers,
}

impl std::fmt::Debug for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sent")
            .field("kind", &self.page.kind)
            .field("fallbacks", &self.fallbacks)
            .finish_non_exhaustive()
    }
}

/// A page's answers, read when awaited: what it changed, or its first failure.
type Answers = Pin<Box<dyn Future<Output = Result<Counts, Failure>> + Send>>;

/// The first statement of a page that failed.
struct Failure {
    /// A plain insert met an existing row: the page can be sent again with
    /// its writes' fallbacks.
    existing_row: bool,
    error: tokio_postgres::Error,
}

impl Failure {
    fn of(error: tokio_postgres::Error) -> Failure {
        Failure {
            existing_row: false,
            error,
        }
    }
}

/// A page's transaction, as the writers queued it.
struct PageTx {
    kind: Kind,
    /// What the page counts without its statements' results (one page).
    counts: Counts,
    /// The page's writes, in order.
    writes: Vec<Write>,
    /// The cursor's statement and its values.
    cursor: (Statement, CursorValues),
    /// The page ends the database's first round of groups: the member index
    /// is built once it is committed ([`build_member_index`]).
    builds_member_index: bool,
}

/// A queued statement and what its result counts for.
struct Write {
    statement: Statement,
    tally: Tally,
    /// For a plain insert of new rows: the statement that also updates the
    /// rows that exist, which the page is sent again with if one does.
    fallback: Option<(Statement, Tally)>,
    values: Vec<Box<dyn ToSql + Send + Sync>>,
}

/// What a statement's result adds to the page's [`Counts`].
#[derive(Clone, Copy)]
enum Tally {
    /// Rows removed.
    Removed,
    /// Rows inserted (all added).
    Inserted,
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

    /// The values of [`EXPECT_CURSOR`] for the page after this one.
    fn expected(&self) -> [&(dyn ToSql + Sync); 4] {
        [&self.tenant, &self.kind, &self.next.link, &self.next.round]
    }
}

/// A request on its way, as a future that sends it when first polled.
type Request<'a> = Pin<Box<dyn Future<Output = Result<Counts, Failure>> + Send + 'a>>;

/// Puts `page`'s transaction on the connection and returns its answers, to
/// be read later. Every request of the page is on its way when this returns
/// (tokio-postgres sends a request when its future is first polled, and the
/// first poll of the answers polls each request once, in order): the
/// transaction ends on the server whatever becomes of the answers. `after`:
/// the page sent just before, which this one checks was committed.
async fn send_page(
    client: Arc<Client>,
    page: Arc<PageTx>,
    after: Option<Arc<PageTx>>,
    fallbacks: bool,
    expect: Statement,
) -> Answers {
    let mut answers: Answers = Box::pin(answers(client, page, after, fallbacks, expect));
    match std::future::poll_fn(|cx| Poll::Ready(answers.as_mut().poll(cx))).await {
        Poll::Ready(result) => Box::pin(std::future::ready(result)),
        Poll::Pending => answers,
    }
}

/// `BEGIN`, the check of the page before, the writes, the cursor, `COMMIT`:
/// sent at the first poll, then their answers. A statement that fails
/// leaves the transaction aborted: the later ones fail too, `COMMIT` rolls
/// back, and the first failure is returned.
async fn answers(
    client: Arc<Client>,
    page: Arc<PageTx>,
    after: Option<Arc<PageTx>>,
    fallbacks: bool,
    expect: Statement,
) -> Result<Counts, Failure> {
    let client = &*client;
    let mut requests: Vec<Request<'_>> = Vec::with_capacity(page.writes.len() + 4);
    requests.push(Box::pin(async move {
        client.batch_execute("BEGIN").await.map_err(Failure::of)?;
        Ok(Counts::default())
    }));
    if let Some(after) = &after {
        let expect = &expect;
        requests.push(Box::pin(async move {
            client
                .execute(expect, &after.cursor.1.expected())
                .await
                .map_err(Failure::of)?;
            Ok(Counts::default())
        }));
    }
    for write in &page.writes {
        requests.push(Box::pin(write.run(client, fallbacks)));
    }
    let (cursor, values) = &page.cursor;
    requests.push(Box::pin(async move {
        client
            .execute(cursor, &values.params())
            .await
            .map_err(Failure::of)?;
        Ok(Counts::default())
    }));
    let results = in_order(
        requests,
        || {
            Box::pin(async move {
                client
                    .batch_execute("ROLLBACK")
                    .await
                    .map_err(Failure::of)?;
                Ok(Counts::default())
            })
        },
        || {
            Box::pin(async move {
                client.batch_execute("COMMIT").await.map_err(Failure::of)?;
                Ok(Counts::default())
            })
        },
    )
    .await;
    let mut total = page.counts;
    for result in results {
        total += result?;
    }
    Ok(total)
}

impl Write {
    /// Runs the write (or its fallback), counting its result.
    async fn run(&self, client: &Client, fallbacks: bool) -> Result<Counts, Failure> {
        let (statement, tally) = match (&self.fallback, fallbacks) {
            (Some((statement, tally)), true) => (statement, *tally),
            _ => (&self.statement, self.tally),
        };
        let params: Vec<&(dyn ToSql + Sync)> = self
            .values
            .iter()
            .map(|value| value.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let mut counts = Counts::default();
        if let Tally::Upserted = tally {
            let row = client
                .query_one(statement, &params)
                .await
                .map_err(Failure::of)?;
            counts.added = row.get::<_, i64>(0) as u64;
            counts.changed = row.get::<_, i64>(1) as u64;
            return Ok(counts);
        }
        let rows = client
            .execute(statement, &params)
            .await
            .map_err(|error| Failure {
                existing_row: self.fallback.is_some()
                    && !fallbacks
                    && error.code() == Some(&SqlState::UNIQUE_VIOLATION),
                error,
            })?;
        match tally {
            Tally::Removed => counts.removed = rows,
            Tally::Inserted => counts.added = rows,
            Tally::MembersAdded => counts.members_added = rows,
            Tally::MembersRemoved => counts.members_removed = rows,
            Tally::Nothing | Tally::Upserted => {}
        }
        Ok(counts)
    }
}

/// Polls each request once, in order (each sends itself then, so they go on
/// the connection in this order), then reads their answers in order. A
/// request that fails at once was not sent: the ones after it are not sent
/// either, and `rollback` ends the transaction; else `commit` does.
async fn in_order<'a>(
    mut requests: Vec<Request<'a>>,
    rollback: impl FnOnce() -> Request<'a>,
    commit: impl FnOnce() -> Request<'a>,
) -> Vec<Result<Counts, Failure>> {
    let mut ready: Vec<Option<Result<Counts, Failure>>> = Vec::with_capacity(requests.len() + 1);
    std::future::poll_fn(|cx| {
        for request in &mut requests {
            match request.as_mut().poll(cx) {
                Poll::Ready(Err(failure)) => {
                    ready.push(Some(Err(failure)));
                    break;
                }
                Poll::Ready(Ok(counts)) => ready.push(Some(Ok(counts))),
                Poll::Pending => ready.push(None),
            }
        }
        Poll::Ready(())
    })
    .await;
    let failed_at_once = ready.len() < requests.len() || matches!(ready.last(), Some(Some(Err(_))));
    requests.truncate(ready.len());
    let mut end = if failed_at_once { rollback() } else { commit() };
    // The end goes out with the rest, before any answer is awaited.
    let end_ready = std::future::poll_fn(|cx| Poll::Ready(end.as_mut().poll(cx))).await;
    let mut results = Vec::with_capacity(requests.len() + 1);
    for (request, ready) in requests.into_iter().zip(ready) {
        results.push(match ready {
            Some(result) => result,
            None => request.await,
        });
    }
    results.push(match end_ready {
        Poll::Ready(result) => result,
        Poll::Pending => end.await,
    });
    results
}

/// A page's transaction being written: the writers queue their statements,
/// with the values they bind; nothing is sent until the page is.
struct Writer<'c> {
    client: &'c Client,
    prepared: &'c mut HashMap<String, Statement>,
    /// The page's kind's property columns.
    columns: &'c Columns,
    /// The store's [`PostgresStore::member_index`].
    member_index: &'c mut bool,
    /// This page builds the member index once committed.
    builds_member_index: bool,
    /// The page's objects are written with a plain insert (see the module's doc).
    insert_only: bool,
    writes: Vec<Write>,
    /// When the round ended, if this page ended it ([`PageWriter::store_cursor`]).
    ended_ms: Option<i64>,
}

/// A column's value as `->>` gives it from `data`: text, `NULL` for a
/// missing property or `null`.
fn column_text(value: &ColumnValue<'_>) -> Option<String> {
    match value {
        ColumnValue::Null => None,
        ColumnValue::Bool(b) => Some(b.to_string()),
        ColumnValue::Integer(n) => Some(n.to_string()),
        ColumnValue::Real(x) => Some(x.to_string()),
        ColumnValue::Text(text) => Some(nul::escape_text(text).into_owned()),
    }
}

/// The statements that write a page's objects with their columns: `$1`
/// tenant, `$2` ids, `$3` JSON texts, `$4` round, `$5` whether the objects
/// are whole (a full round) or changes to merge, then one array per
/// selected column.
struct UpsertSql {
    /// A plain insert (a full round's new objects).
    insert: String,
    /// Updates the rows that exist (replacing or merging), inserts the others.
    upsert: String,
}

impl UpsertSql {
    fn new(table: &str, columns: &Columns) -> UpsertSql {
        // A merged object is `t.data` with the changes over it (jsonb's `||`:
        // a property sent as `null` is kept). A column of a property the
        // changes bring takes its new value, else it keeps its own: the
        // object is merged once per row, not once per column.
        const MERGED: &str = "(t.data::jsonb || u.data::jsonb)";
        let mut names = String::new();
        let mut arrays = String::new();
        let mut aliases = String::new();
        let mut inserted = String::new();
        let mut updated = String::new();
        let mut column_sql = |column: &str, value: &str| {
            names.push_str(&format!(", \"{column}\""));
            inserted.push_str(&format!(", {value}"));
            updated.push_str(&format!(
                ", \"{column}\" = CASE WHEN $5 THEN {value} WHEN u.data::jsonb ? '{column}' THEN {value} ELSE t.\"{column}\" END"
            ));
        };
        for (at, column) in columns.selected.iter().enumerate() {
            arrays.push_str(&format!(", ${}::text[]", at + 6));
            aliases.push_str(&format!(", c{at}"));
            column_sql(column, &format!("u.c{at}"));
        }
        for column in &columns.others {
            column_sql(column, &format!("u.data::json->>'{column}'"));
        }
        let unnest = format!("unnest($2::text[], $3::text[]{arrays}) AS u (id, data{aliases})");
        let insert = format!(
            "INSERT INTO {table} (tenant, id, data, removed, seen_round{names})
             SELECT $1, u.id, u.data::json, NULL, $4{inserted} FROM {unnest}"
        );
        let upsert = format!(
            "WITH u AS (SELECT * FROM {unnest}),
             updated AS (
               UPDATE {table} AS t SET
                 data = CASE WHEN $5 THEN u.data::json ELSE {MERGED}::json END,
                 removed = NULL, seen_round = $4{updated}
               FROM u WHERE t.tenant = $1 AND t.id = u.id
               RETURNING t.id),
             inserted AS (
               INSERT INTO {table} (tenant, id, data, removed, seen_round{names})
               SELECT $1, u.id, u.data::json, NULL, $4{inserted} FROM u
               WHERE NOT EXISTS (SELECT FROM updated WHERE updated.id = u.id)
               RETURNING 1)
             SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)"
        );
        UpsertSql { insert, upsert }
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

impl Writer<'_> {
    /// Queues `sql` with `values`; its result is counted when the page's
    /// answers are read.
    async fn queue(
        &mut self,
        sql: &str,
        values: Vec<Box<dyn ToSql + Send + Sync>>,
        tally: Tally,
    ) -> Result<u64, tokio_postgres::Error> {
        let statement = prepare(self.client, self.prepared, sql, &[]).await?;
        self.writes.push(Write {
            statement,
            tally,
            fallback: None,
            values,
        });
        Ok(0)
    }

    /// Queues a plain insert (`insert`, its parameters of `types`) when the
    /// page's objects are written so, with `upsert` (the same parameters) as
    /// its fallback; else `upsert` alone.
    async fn queue_insert(
        &mut self,
        insert: &str,
        upsert: (&str, Tally),
        types: &[Type],
        values: Vec<Box<dyn ToSql + Send + Sync>>,
    ) -> Result<(), tokio_postgres::Error> {
        let fallback = (
            prepare(self.client, self.prepared, upsert.0, types).await?,
            upsert.1,
        );
        let write = if self.insert_only {
            let insert = prepare(self.client, self.prepared, insert, types).await?;
            let tally = match upsert.1 {
                Tally::Upserted => Tally::Inserted,
                other => other,
            };
            Write {
                statement: insert,
                tally,
                fallback: Some(fallback),
                values,
            }
        } else {
            Write {
                statement: fallback.0,
                tally: fallback.1,
                fallback: None,
                values,
            }
        };
        self.writes.push(write);
        Ok(())
    }
}

impl PageWriter for Writer<'_> {
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

    /// A full round's objects are inserted (see the module's doc); else the
    /// rows that exist are updated, then the others inserted: a plain
    /// insert, where `INSERT ... ON CONFLICT` inserts speculatively (an index
    /// probe, the insert, the index entry, a confirmation). Both rely on one
    /// writer per tenant at a time (the advisory lock; another would make the
    /// page fail on the key, to be applied again) and on a page holding each
    /// id once (`Changes::read`).
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
        let sql = UpsertSql::new(table, self.columns);
        let mut types = vec![
            Type::TEXT,
            Type::TEXT_ARRAY,
            Type::TEXT_ARRAY,
            Type::INT8,
            Type::BOOL,
        ];
        let mut values: Vec<Box<dyn ToSql + Send + Sync>> = vec![
            Box::new(tenant.to_owned()),
            escaped_owned(upserts.iter().map(|u| u.id.as_ref())),
            Box::new(data),
            Box::new(round),
            Box::new(full),
        ];
        for at in 0..self.columns.selected.len() {
            types.push(Type::TEXT_ARRAY);
            values.push(Box::new(
                upserts
                    .iter()
                    .map(|u| column_text(&u.columns[at]))
                    .collect::<Vec<Option<String>>>(),
            ));
        }
        self.queue_insert(&sql.insert, (&sql.upsert, Tally::Upserted), &types, values)
            .await?;
        Ok((0, 0))
    }

    async fn add_members(
        &mut self,
        tenant: &str,
        members: &[(Cow<'_, str>, Cow<'_, str>, Cow<'_, str>)],
        round: i64,
    ) -> Result<u64, tokio_postgres::Error> {
        const INSERT: &str = "INSERT INTO memberships (tenant, group_id, member_id, member_type, seen_round)
             SELECT $1, m.g, m.m, m.t, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS m (g, m, t)";
        self.queue_insert(
            INSERT,
            (
                &format!(
                    "{INSERT}
             ON CONFLICT (tenant, group_id, member_id) DO UPDATE SET
               member_type = excluded.member_type, seen_round = excluded.seen_round"
                ),
                Tally::MembersAdded,
            ),
            &[
                Type::TEXT,
                Type::TEXT_ARRAY,
                Type::TEXT_ARRAY,
                Type::TEXT_ARRAY,
                Type::INT8,
            ],
            vec![
                Box::new(tenant.to_owned()),
                escaped_owned(members.iter().map(|m| m.0.as_ref())),
                escaped_owned(members.iter().map(|m| m.1.as_ref())),
                escaped_owned(members.iter().map(|m| m.2.as_ref())),
                Box::new(round),
            ],
        )
        .await?;
        Ok(0)
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

    /// Has the member index built once this page is committed, if the
    /// database has none yet (a new one: `schema.sql` leaves it out so that
    /// the first round does not keep it up to date row by row).
    async fn groups_round_ended(&mut self) -> Result<(), tokio_postgres::Error> {
        if !*self.member_index {
            self.builds_member_index = true;
            *self.member_index = true;
        }
        Ok(())
    }

    /// Kept for the page's transaction, which ends with the cursor ([`CURSOR`]).
    async fn store_cursor(
        &mut self,
        _tenant: &str,
        _kind: Kind,
        _next: &Cursor,
        ended_ms: Option<i64>,
    ) -> Result<(), tokio_postgres::Error> {
        self.ended_ms = ended_ms;
        Ok(())
    }
}
