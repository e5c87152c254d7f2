//! The stores' promises, on both databases: a page and its cursor commit
//! together or not at all; removals kept apart; a full round's sweep; the
//! tenants' advisory locks.

use entrad_sync::{
    Changes, ColumnValue, Cursor, Kind, PostgresStore, Removal, SqliteStore, Store, Upsert,
};

fn cursor(link: &str, done: bool, full: bool, round: i64) -> Cursor {
    Cursor {
        link: link.to_owned(),
        done,
        full,
        round,
        selection: String::new(),
    }
}

/// A user with its `displayName` column (the one `promises` sets up).
fn user(id: &str, name: &str) -> Upsert<'static> {
    Upsert {
        id: id.to_owned().into(),
        text: format!(r#"{{"id":"{id}","displayName":"{name}"}}"#).into(),
        columns: vec![ColumnValue::Text(name.to_owned().into())],
    }
}

fn page<'a>(upserts: Vec<Upsert<'a>>, removals: Vec<(&'a str, Removal)>) -> Changes<'a> {
    Changes {
        upserts,
        removals: removals.into_iter().map(|(id, r)| (id.into(), r)).collect(),
        ..Changes::default()
    }
}

/// What every store must do; `count` reads `SELECT count(*) ...` from its
/// database, with a connection of its own.
async fn promises<S: Store>(store: &mut S, count: impl AsyncFn(&str) -> i64) {
    let t = "tenant-a";
    store
        .add_columns(Kind::Users, &["displayName"])
        .await
        .unwrap();
    assert_eq!(store.cursor(t, Kind::Users).await.unwrap(), None);
    let first = cursor("next-1", false, true, 1);
    let counts = store
        .apply(
            t,
            Kind::Users,
            &page(vec![user("a", "A"), user("b", "B"), user("c", "C")], vec![]),
            &first,
        )
        .await
        .unwrap();
    assert_eq!((counts.added, counts.pages), (3, 1));
    assert_eq!(
        store.cursor(t, Kind::Users).await.unwrap(),
        Some(first.clone())
    );

    // A page that fails half-way leaves neither its rows nor its cursor.
    let broken = page(
        // Not JSON, and missing its column: each database refuses one of the two.
        vec![
            user("d", "D"),
            Upsert {
                id: "a".into(),
                text: "not json".into(),
                columns: vec![],
            },
        ],
        vec![],
    );
    assert!(
        store
            .apply(t, Kind::Users, &broken, &cursor("next-2", false, false, 1))
            .await
            .is_err()
    );
    assert_eq!(store.cursor(t, Kind::Users).await.unwrap(), Some(first));
    assert_eq!(count("SELECT count(*) FROM users WHERE id = 'd'").await, 0);

    // Soft and hard removals are kept apart.
    let round_2 = cursor("delta-2", true, false, 2);
    let counts = store
        .apply(
            t,
            Kind::Users,
            &page(
                vec![user("a", "A2")],
                vec![("b", Removal::Changed), ("c", Removal::Deleted)],
            ),
            &round_2,
        )
        .await
        .unwrap();
    assert_eq!((counts.changed, counts.removed), (1, 2));
    assert_eq!(
        count("SELECT count(*) FROM users WHERE id = 'b' AND removed = 'changed'").await,
        1
    );
    assert_eq!(count("SELECT count(*) FROM users WHERE id = 'c'").await, 0);
    assert_eq!(
        count("SELECT count(*) FROM users WHERE \"displayName\" = 'A2'").await,
        1
    );

    // Another tenant's rows are its own, untouched by this tenant's sweep.
    store
        .apply(
            "tenant-b",
            Kind::Users,
            &page(vec![user("a", "B's A")], vec![]),
            &cursor("d", true, true, 1),
        )
        .await
        .unwrap();
    // A full round that sees only `a` sweeps `b` at its last page, with its cursor.
    let counts = store
        .apply(
            t,
            Kind::Users,
            &page(vec![user("a", "A3")], vec![]),
            &cursor("delta-3", true, true, 3),
        )
        .await
        .unwrap();
    assert_eq!(counts.removed, 1);
    assert_eq!(
        count("SELECT count(*) FROM users WHERE tenant = 'tenant-a'").await,
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM users WHERE tenant = 'tenant-b'").await,
        1
    );
}

#[tokio::test]
async fn sqlite_keeps_the_promises() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/mirror.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let reader = rusqlite::Connection::open(&path).unwrap();
    // A new mirror has 16 KiB pages (faster to fill: see SqliteStore::open).
    let page_size: i64 = reader
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .unwrap();
    assert_eq!(page_size, 16384);
    promises(&mut store, async |sql: &str| {
        reader.query_row(sql, [], |row| row.get(0)).unwrap()
    })
    .await;
    drop(reader);
    // Closing the store (and its checkpoint thread's connection) copies the
    // log into the database and removes it.
    drop(store);
    assert!(!dir.path().join("sub/mirror.db-wal").exists());
    // Reopening applies no migration twice and keeps the data.
    let _again = SqliteStore::open(&path).unwrap();
    let users: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM users", [], |row| row.get(0))
        .unwrap();
    assert_eq!(users, 2);
}

/// A test's own connection to a PostgreSQL database.
struct PostgresReader {
    client: tokio_postgres::Client,
    connection: tokio::task::JoinHandle<()>,
}

impl PostgresReader {
    async fn connect(url: &str) -> PostgresReader {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let connection = tokio::spawn(async move {
            let _ = connection.await;
        });
        PostgresReader { client, connection }
    }

    /// The one value of `sql`, a `SELECT count(*) ...`.
    async fn count(&self, sql: &str) -> i64 {
        self.client.query_one(sql, &[]).await.unwrap().get(0)
    }
}

impl Drop for PostgresReader {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

#[tokio::test]
async fn postgres_keeps_the_promises() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let mut store = PostgresStore::connect(&url).await.unwrap();
    let reader = PostgresReader::connect(&url).await;
    promises(&mut store, async |sql: &str| reader.count(sql).await).await;
    drop(store);
    // Reopening applies no migration twice and keeps the data.
    let _again = PostgresStore::connect(&url).await.unwrap();
    assert_eq!(reader.count("SELECT count(*) FROM users").await, 2);
    assert_eq!(
        reader.count("SELECT count(*) FROM schema_migrations").await,
        4
    );
}

#[tokio::test]
async fn postgres_tenants_are_held_by_one_worker_until_it_lets_go_or_dies() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let mut first = PostgresStore::connect(&url).await.unwrap();
    let mut second = PostgresStore::connect(&url).await.unwrap();
    assert!(first.try_lock("t1").await.unwrap());
    assert!(!second.try_lock("t1").await.unwrap());
    assert!(second.try_lock("t2").await.unwrap());
    first.unlock("t1").await.unwrap();
    assert!(second.try_lock("t1").await.unwrap());
    // A worker that dies (its connection closes) lets its tenants go.
    let mut third = PostgresStore::connect(&url).await.unwrap();
    assert!(!third.try_lock("t2").await.unwrap());
    drop(second);
    let mut taken = false;
    for _ in 0..50 {
        if third.try_lock("t2").await.unwrap() {
            taken = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(taken, "the dead worker's tenant was never released");
}

#[tokio::test]
async fn postgres_a_page_that_fails_fails_the_pages_sent_behind_it() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let mut store = PostgresStore::connect(&url).await.unwrap();
    let reader = PostgresReader::connect(&url).await;
    let t = "t";
    store
        .add_columns(Kind::Users, &["displayName"])
        .await
        .unwrap();
    let first = cursor("next-1", false, true, 1);
    // Three pages on the connection before any answer is read: the second
    // is refused (not JSON), the third is fine but comes after it.
    store
        .send(t, Kind::Users, &page(vec![user("a", "A")], vec![]), &first)
        .await
        .unwrap();
    let broken = page(
        vec![Upsert {
            id: "b".into(),
            text: "not json".into(),
            columns: vec![ColumnValue::Null],
        }],
        vec![],
    );
    store
        .send(t, Kind::Users, &broken, &cursor("next-2", false, true, 1))
        .await
        .unwrap();
    store
        .send(
            t,
            Kind::Users,
            &page(vec![user("c", "C")], vec![]),
            &cursor("next-3", false, true, 1),
        )
        .await
        .unwrap();
    assert_eq!(store.pending(), 3);
    assert_eq!(store.applied().await.unwrap().unwrap().added, 1);
    assert!(store.applied().await.is_err());
    let behind = store.applied().await.unwrap_err();
    assert!(
        format!("{:?}", std::error::Error::source(&behind)).contains("not committed"),
        "{behind:?}"
    );
    assert_eq!(store.applied().await.unwrap(), None);
    // The cursor is the first page's: a later run applies the second page
    // again, then the third; the third's rows were not committed.
    assert_eq!(store.cursor(t, Kind::Users).await.unwrap(), Some(first));
    assert_eq!(reader.count("SELECT count(*) FROM users").await, 1);
}

/// A full round that meets rows that exist: an object sent again in a later
/// page, with the pages sent behind it, then a full round over the whole
/// mirror (a fresh round after Graph lost the sync state). Memberships alike.
async fn full_rounds_over_existing_rows<S: Store>(store: &mut S, count: impl AsyncFn(&str) -> i64) {
    let t = "t";
    store
        .add_columns(Kind::Users, &["displayName"])
        .await
        .unwrap();
    let pages = [
        (vec![user("a", "A"), user("b", "B")], "next-1"),
        // `b` again, changed while Graph paged.
        (vec![user("b", "B2"), user("c", "C")], "next-2"),
        (vec![user("d", "D")], "delta-1"),
    ];
    for (users, link) in pages.clone() {
        store
            .send(
                t,
                Kind::Users,
                &page(users, vec![]),
                &cursor(link, link.starts_with("delta"), true, 1),
            )
            .await
            .unwrap();
    }
    let mut applied = Vec::new();
    while let Some(counts) = store.applied().await.unwrap() {
        applied.push((counts.added, counts.changed));
    }
    assert_eq!(applied, [(2, 0), (1, 1), (1, 0)]);
    assert_eq!(count("SELECT count(*) FROM users").await, 4);
    assert_eq!(
        count("SELECT count(*) FROM users WHERE \"displayName\" = 'B2'").await,
        1
    );
    assert_eq!(
        store.cursor(t, Kind::Users).await.unwrap().map(|c| c.link),
        Some("delta-1".to_owned())
    );

    // A fresh full round over all of it: every object exists, `d` is gone.
    for (users, link) in [
        (vec![user("a", "A3"), user("b", "B3")], "next-4"),
        (vec![user("c", "C3")], "delta-2"),
    ] {
        store
            .send(
                t,
                Kind::Users,
                &page(users, vec![]),
                &cursor(link, link.starts_with("delta"), true, 2),
            )
            .await
            .unwrap();
    }
    let first = store.applied().await.unwrap().unwrap();
    let second = store.applied().await.unwrap().unwrap();
    assert_eq!((first.added, first.changed), (0, 2));
    assert_eq!((second.changed, second.removed), (1, 1));
    assert_eq!(count("SELECT count(*) FROM users").await, 3);

    // Memberships: a group's member reported in two pages of a full round.
    store.add_columns(Kind::Groups, &[]).await.unwrap();
    let group = |member: &'static str| Changes {
        upserts: vec![Upsert {
            id: "g".into(),
            text: r#"{"id":"g"}"#.into(),
            columns: vec![],
        }],
        members_added: vec![("g".into(), member.into(), "user".into())],
        ..Changes::default()
    };
    store
        .send(t, Kind::Groups, &group("a"), &cursor("g-1", false, true, 1))
        .await
        .unwrap();
    store
        .send(t, Kind::Groups, &group("a"), &cursor("g-2", true, true, 1))
        .await
        .unwrap();
    assert_eq!(store.applied().await.unwrap().unwrap().members_added, 1);
    assert_eq!(store.applied().await.unwrap().unwrap().members_added, 1);
    assert_eq!(count("SELECT count(*) FROM memberships").await, 1);
}

#[tokio::test]
async fn sqlite_full_rounds_over_existing_rows_update_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let reader = rusqlite::Connection::open(&path).unwrap();
    full_rounds_over_existing_rows(&mut store, async |sql: &str| {
        reader.query_row(sql, [], |row| row.get(0)).unwrap()
    })
    .await;
}

#[tokio::test]
async fn postgres_full_rounds_over_existing_rows_update_them() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let mut store = PostgresStore::connect(&url).await.unwrap();
    let reader = PostgresReader::connect(&url).await;
    full_rounds_over_existing_rows(&mut store, async |sql: &str| reader.count(sql).await).await;
}

#[tokio::test]
async fn sqlite_upgrades_a_first_version_mirror_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        // The schema of the first version: generated columns, memberships
        // with a rowid and the member index.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_mirror.sql"))
            .unwrap();
        conn.execute_batch(
            r#"CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY);
               INSERT INTO schema_migrations VALUES (1);
               ALTER TABLE users ADD COLUMN "displayName" GENERATED ALWAYS AS (json_extract(data, '$.displayName')) VIRTUAL;
               INSERT INTO users (tenant, id, data, seen_round) VALUES ('t', 'u', '{"id":"u","displayName":"Old"}', 1);
               INSERT INTO memberships VALUES ('t', 'g', 'u', 'user', 1);"#,
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    store
        .add_columns(Kind::Users, &["displayName", "mail"])
        .await
        .unwrap();
    let reader = rusqlite::Connection::open(&path).unwrap();
    let one = |sql: &str| -> String { reader.query_row(sql, [], |row| row.get(0)).unwrap() };
    // The generated column is now a plain one, filled from the rows' data.
    assert_eq!(
        one("SELECT \"displayName\" FROM users WHERE id = 'u'"),
        "Old"
    );
    let hidden: i64 = reader
        .query_row(
            "SELECT hidden FROM pragma_table_xinfo('users') WHERE name = 'displayName'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(hidden, 0);
    // Memberships are kept, clustered on their key; the member index waits
    // for the end of a round of groups.
    assert_eq!(
        one("SELECT member_id FROM memberships WHERE group_id = 'g'"),
        "u"
    );
    let memberships = one("SELECT sql FROM sqlite_master WHERE name = 'memberships'");
    assert!(memberships.contains("WITHOUT ROWID"), "{memberships}");
    let index = "SELECT count(*) FROM sqlite_master WHERE name = 'memberships_member'";
    assert_eq!(one(&format!("SELECT CAST(({index}) AS TEXT)")), "0");
    store.add_columns(Kind::Groups, &[]).await.unwrap();
    store
        .apply(
            "t",
            Kind::Groups,
            &Changes::default(),
            &cursor("delta", true, false, 2),
        )
        .await
        .unwrap();
    assert_eq!(one(&format!("SELECT CAST(({index}) AS TEXT)")), "1");
    // Columns written from then on come with the upserts, in the selection's
    // order; an upsert without them is refused.
    let new = Upsert {
        id: "v".into(),
        text: r#"{"id":"v","displayName":"New","mail":"v@x"}"#.into(),
        columns: vec![
            ColumnValue::Text("New".into()),
            ColumnValue::Text("v@x".into()),
        ],
    };
    store
        .apply(
            "t",
            Kind::Users,
            &page(vec![new], vec![]),
            &cursor("d", true, false, 2),
        )
        .await
        .unwrap();
    assert_eq!(one("SELECT mail FROM users WHERE id = 'v'"), "v@x");
    let without = page(vec![user("w", "W")], vec![]);
    assert!(
        store
            .apply("t", Kind::Users, &without, &cursor("e", true, false, 2))
            .await
            .is_err()
    );
}

/// A page no database takes as it comes: U+0000 (which PostgreSQL's text
/// cannot hold) and U+FFFF (PostgreSQL's escape for it) in an id, a key, a
/// value, a nested list; `displayName` with both.
fn hostile_object() -> (String, serde_json::Value) {
    let text = r#"{"id":"n\u0000ul","displayName":"a\u0000b\uFFFFc\uffff0","k\u0000":["\u0000",{"deep\uffff":"\u0000\u0000"}]}"#;
    (text.to_owned(), serde_json::from_str(text).unwrap())
}

/// Applies the hostile page to `store` as the first page of a full round,
/// then again as a page of changes (merged into the stored object).
async fn apply_hostile<S: Store>(store: &mut S) {
    let (text, value) = hostile_object();
    let upsert = Upsert {
        id: "n\0ul".into(),
        text: text.into(),
        columns: vec![ColumnValue::Text(
            value["displayName"].as_str().unwrap().to_owned().into(),
        )],
    };
    store
        .add_columns(Kind::Users, &["displayName"])
        .await
        .unwrap();
    let counts = store
        .apply(
            "t",
            Kind::Users,
            &page(vec![upsert.clone()], vec![]),
            &cursor("next", false, true, 1),
        )
        .await
        .unwrap();
    assert_eq!(counts.added, 1);
    let counts = store
        .apply(
            "t",
            Kind::Users,
            &page(vec![upsert], vec![]),
            &cursor("delta", true, false, 1),
        )
        .await
        .unwrap();
    assert_eq!(counts.changed, 1);
}

/// PostgreSQL's strings read back by the rule of entrad-sync's README:
/// U+FFFF `0` is U+0000, U+FFFF U+FFFF is U+FFFF.
fn unescape(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let text = |s: &str| {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\u{FFFF}') {
                (_, true) => match chars.next() {
                    Some('0') => out.push('\0'),
                    Some('\u{FFFF}') => out.push('\u{FFFF}'),
                    other => panic!("not an escape: {other:?} in {s:?}"),
                },
                (c, false) => out.push(c),
            }
        }
        out
    };
    match value {
        Value::String(s) => Value::String(text(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(unescape).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (text(&k), unescape(v)))
                .collect(),
        ),
        other => other,
    }
}

#[tokio::test]
async fn both_stores_keep_an_object_with_nul_characters_as_it_came() {
    let (_, expected) = hostile_object();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.db");
    apply_hostile(&mut SqliteStore::open(&path).unwrap()).await;
    let (id, data, name): (String, String, String) = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT id, data, \"displayName\" FROM users", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap();
    assert_eq!(id, "n\0ul");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&data).unwrap(),
        expected
    );
    assert_eq!(name, expected["displayName"]);

    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    apply_hostile(&mut PostgresStore::connect(&url).await.unwrap()).await;
    let reader = PostgresReader::connect(&url).await;
    let row = reader
        .client
        .query_one("SELECT id, data::text, \"displayName\" FROM users", &[])
        .await
        .unwrap();
    let (id, data, name): (String, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(unescape(serde_json::Value::String(id)), "n\0ul");
    assert_eq!(unescape(serde_json::from_str(&data).unwrap()), expected);
    assert_eq!(
        unescape(serde_json::Value::String(name)),
        expected["displayName"]
    );
}

/// A page of `n` users of about 600 bytes each, ids from `first`.
fn big_page(first: usize, n: usize) -> Changes<'static> {
    let filler = "x".repeat(560);
    page(
        (first..first + n)
            .map(|i| Upsert {
                id: format!("{i:08}").into(),
                text: format!(r#"{{"id":"{i:08}","notes":"{filler}"}}"#).into(),
                columns: vec![],
            })
            .collect(),
        vec![],
    )
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// The checkpoint thread's promises, on a mirror of 1 KiB pages so that the
/// log's limit (4096 frames) is 4 MiB: the log stays bounded while pages keep
/// coming, a reader holding a snapshot (which keeps the log from starting
/// over) does not stop the writer, and once it lets go the log starts over
/// again. (How long a page takes while a reader holds its snapshot is a
/// figure of the `sync_store` bench, not a bound here.)
#[tokio::test]
async fn sqlite_checkpoints_keep_the_log_bounded_and_never_stall_behind_a_reader() {
    const FRAME: u64 = 1024 + 24;
    const LIMIT: u64 = 4096 * FRAME;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.db");
    let wal = dir.path().join("mirror.db-wal");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL;")
        .unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    store.add_columns(Kind::Users, &[]).await.unwrap();
    let page_size: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .unwrap();
    assert_eq!(page_size, 1024);
    let mut next_id = 0;
    let mut apply = async |store: &mut SqliteStore| {
        store
            .apply(
                "t",
                Kind::Users,
                &big_page(next_id, 100),
                &cursor("next", false, true, 1),
            )
            .await
            .unwrap();
        next_id += 100;
    };
    let count = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT count(*) FROM users", [], |row| row.get(0))
            .unwrap()
    };
    // Without checkpoints the log would hold every page: eight times the
    // limit. With them it stays within the limit and what comes in while
    // one passive checkpoint runs (it syncs the file: slow on a busy disk).
    let mut largest = 0;
    for _ in 0..500 {
        apply(&mut store).await;
        largest = largest.max(file_size(&wal));
    }
    assert!(file_size(&path) + file_size(&wal) > 8 * LIMIT);
    assert!(
        largest < 3 * LIMIT,
        "the log reached {largest} bytes (limit {LIMIT})"
    );

    // A reader holds its snapshot: the log cannot start over and grows, and
    // pages keep being committed, each one seen by a new connection while
    // the reader still sees its snapshot. A writer that waited for the
    // reader to let go would stall here: the reader lets go only after them.
    let reader = rusqlite::Connection::open(&path).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let snapshot = count(&reader);
    assert_eq!(snapshot, 500 * 100);
    for pages in 1..=150 {
        apply(&mut store).await;
        let committed = count(&rusqlite::Connection::open(&path).unwrap());
        assert_eq!(committed, snapshot + pages * 100);
        assert_eq!(count(&reader), snapshot, "the reader lost its snapshot");
    }
    assert!(
        file_size(&wal) > LIMIT,
        "the reader did not hold the log back"
    );
    // The reader lets go: past the limit, the log starts over and stops growing.
    reader.execute_batch("COMMIT").unwrap();
    let held = file_size(&wal);
    for _ in 0..150 {
        apply(&mut store).await;
    }
    assert!(
        file_size(&wal) < held + LIMIT / 2,
        "the log kept growing after the reader left: {} bytes from {held}",
        file_size(&wal)
    );
}

/// The SQL of a mirror at migration 3 (before `json` and byte-order keys).
fn postgres_v3_schema() -> String {
    [
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY);
         INSERT INTO schema_migrations VALUES (1), (2), (3);",
        include_str!("../migrations/postgres/0001_mirror.sql"),
        include_str!("../migrations/postgres/0002_round_ended.sql"),
        include_str!("../migrations/postgres/0003_expect_cursor.sql"),
    ]
    .concat()
}

/// Applies the users page of one object `sent`, read for `columns`.
async fn apply_users(store: &mut PostgresStore, columns: &[&str], sent: &str, at: Cursor) {
    let changes = Changes::read(Kind::Users, columns, [sent]).unwrap();
    store.apply("t", Kind::Users, &changes, &at).await.unwrap();
}

#[tokio::test]
async fn postgres_upgrades_a_jsonb_mirror_and_keeps_objects_as_graph_sent_them() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let reader = PostgresReader::connect(&url).await;
    // The schema before migration 0004: `data` as jsonb, a generated column.
    let mut old = postgres_v3_schema();
    old.push_str(
        r#"ALTER TABLE users ADD COLUMN "displayName" TEXT GENERATED ALWAYS AS (data->>'displayName') STORED;
           INSERT INTO users (tenant, id, data, seen_round) VALUES ('t', 'u', '{"id":"u","displayName":"Old","mail":"u@x"}', 1);"#,
    );
    reader.client.batch_execute(&old).await.unwrap();
    let text = async |sql: &str| -> Option<String> {
        reader.client.query_one(sql, &[]).await.unwrap().get(0)
    };

    let mut store = PostgresStore::connect(&url).await.unwrap();
    let columns = ["displayName", "mail", "accountEnabled"];
    store.add_columns(Kind::Users, &columns).await.unwrap();
    assert_eq!(
        text("SELECT data_type::text FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'data'").await.unwrap(),
        "json"
    );
    for (table, column) in [
        ("users", "id"),
        ("groups", "tenant"),
        ("memberships", "member_id"),
    ] {
        let sql = format!(
            "SELECT collation_name::text FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'"
        );
        assert_eq!(text(&sql).await.as_deref(), Some("C"), "{table}.{column}");
    }
    // The generated column is a plain one, its values kept; an added one is
    // filled from the rows' data.
    assert_eq!(
        text("SELECT attgenerated::text FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'displayName'").await.unwrap(),
        ""
    );
    assert_eq!(
        text("SELECT \"displayName\" || ' ' || mail FROM users WHERE id = 'u'").await,
        Some("Old u@x".into())
    );

    // A full round's object is stored as its text, in Graph's order of
    // properties (jsonb would sort them), its columns filled by the writer.
    let sent = r#"{"id":"v","displayName":"New","mail":"v@x","accountEnabled":true}"#;
    apply_users(&mut store, &columns, sent, cursor("a", false, true, 2)).await;
    assert_eq!(
        text("SELECT data::text FROM users WHERE id = 'v'").await,
        Some(sent.into())
    );
    assert_eq!(
        text("SELECT concat_ws(' ', \"displayName\", mail, \"accountEnabled\") FROM users WHERE id = 'v'").await,
        Some("New v@x true".into())
    );

    // A round of changes merges into the stored object; the columns are
    // read from the merged object (mail kept, though not sent).
    let change = r#"{"id":"v","displayName":"Newer"}"#;
    apply_users(&mut store, &columns, change, cursor("b", true, false, 2)).await;
    assert_eq!(
        text("SELECT concat_ws(' ', \"displayName\", mail, data->>'displayName') FROM users WHERE id = 'v'").await,
        Some("Newer v@x Newer".into())
    );

    // Columns of an earlier selection are still kept equal to `data`.
    store.add_columns(Kind::Users, &["mail"]).await.unwrap();
    let sent = r#"{"id":"w","displayName":"W","mail":"w@x","accountEnabled":false}"#;
    apply_users(&mut store, &["mail"], sent, cursor("c", false, true, 3)).await;
    assert_eq!(
        text("SELECT concat_ws(' ', \"displayName\", mail, \"accountEnabled\") FROM users WHERE id = 'w'").await,
        Some("W w@x false".into())
    );
    // ... also by a round of changes, which may set a property to null.
    let change = r#"{"id":"w","displayName":"W2","mail":null}"#;
    apply_users(&mut store, &["mail"], change, cursor("d", true, false, 3)).await;
    assert_eq!(
        text("SELECT concat_ws(' ', \"displayName\", coalesce(mail, 'none'), \"accountEnabled\") FROM users WHERE id = 'w'").await,
        Some("W2 none false".into())
    );
}

/// The schema of a PostgreSQL database, one line per column, index,
/// constraint, function and recorded migration, sorted.
async fn postgres_schema(reader: &PostgresReader) -> Vec<String> {
    const SCHEMA: &str = "
        SELECT format('column %s.%s %s %s %s %s %s %s', table_name, ordinal_position, column_name, data_type,
                      collation_name, is_nullable, column_default, is_generated)
        FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL SELECT 'function ' || pg_get_functiondef(p.oid)
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
        UNION ALL SELECT 'migration ' || version FROM schema_migrations";
    let mut lines: Vec<String> = reader
        .client
        .query(SCHEMA, &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn postgres_a_new_database_gets_the_schema_the_migrations_build() {
    // A mirror of the first version, brought up to date one migration at a time.
    let old = entrad_testkit::fresh_postgres_database().await.unwrap();
    let old_reader = PostgresReader::connect(&old).await;
    let mut first = String::from(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY);
         INSERT INTO schema_migrations VALUES (1);",
    );
    first.push_str(include_str!("../migrations/postgres/0001_mirror.sql"));
    old_reader.client.batch_execute(&first).await.unwrap();
    PostgresStore::connect(&old).await.unwrap();
    // A new database, given the schema at once; its index of memberships by
    // member comes when a round of groups first ends.
    let new = entrad_testkit::fresh_postgres_database().await.unwrap();
    let mut store = PostgresStore::connect(&new).await.unwrap();
    let new_reader = PostgresReader::connect(&new).await;
    let index = "SELECT count(*) FROM pg_indexes WHERE indexname = 'memberships_member'";
    store.add_columns(Kind::Groups, &[]).await.unwrap();
    // Not before the round's last page, then once it is committed.
    for (link, done, indexes) in [("next", false, 0), ("delta", true, 1)] {
        let at = cursor(link, done, true, 1);
        store
            .apply("t", Kind::Groups, &Changes::default(), &at)
            .await
            .unwrap();
        assert_eq!(new_reader.count(index).await, indexes, "{link}");
    }

    let built = postgres_schema(&old_reader).await;
    assert!(
        built.iter().any(|line| line.contains("data json")),
        "{built:#?}"
    );
    assert_eq!(postgres_schema(&new_reader).await, built);
}

#[tokio::test]
async fn postgres_an_upgrade_stopped_by_the_users_own_objects_says_which_and_changes_nothing() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let reader = PostgresReader::connect(&url).await;
    let mut old = postgres_v3_schema();
    // A mirror's user's own view and jsonb index on `data`.
    old.push_str(
        "CREATE VIEW people AS SELECT id, data->>'mail' AS mail FROM users;
         CREATE INDEX people_data ON users USING gin (data);",
    );
    reader.client.batch_execute(&old).await.unwrap();
    let data_type = "SELECT data_type::text FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'data'";
    let stopped = async |what: &str| {
        let error = PostgresStore::connect(&url).await.unwrap_err();
        let mut message = error.to_string();
        let mut cause = std::error::Error::source(&error);
        while let Some(inner) = cause {
            message.push_str(&format!(": {inner}"));
            cause = inner.source();
        }
        assert_eq!(error.kind(), entrad_sync::ErrorKind::Config, "{message}");
        assert!(message.contains("migration 4"), "{message}");
        assert!(message.contains(what), "{message}");
        assert!(
            message.contains("drop it, run entrad sync once"),
            "{message}"
        );
        let row = reader.client.query_one(data_type, &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), "jsonb");
        assert_eq!(
            reader.count("SELECT count(*) FROM schema_migrations").await,
            3
        );
    };
    stopped("view people").await;
    reader
        .client
        .batch_execute("DROP VIEW people")
        .await
        .unwrap();
    stopped("gin").await;
    reader
        .client
        .batch_execute("DROP INDEX people_data")
        .await
        .unwrap();
    PostgresStore::connect(&url).await.unwrap();
    let row = reader.client.query_one(data_type, &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "json");
}
