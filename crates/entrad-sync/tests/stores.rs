//! The stores' promises, on both databases: a page and its cursor commit
//! together or not at all; removals kept apart; a full round's sweep; the
//! tenants' advisory locks.

use entrad_sync::{Changes, Cursor, Kind, PostgresStore, Removal, SqliteStore, Store};

fn cursor(link: &str, done: bool, full: bool, round: i64) -> Cursor {
    Cursor {
        link: link.to_owned(),
        done,
        full,
        round,
        selection: String::new(),
    }
}

fn user(id: &str, name: &str) -> (String, String) {
    (
        id.to_owned(),
        format!(r#"{{"id":"{id}","displayName":"{name}"}}"#),
    )
}

fn page(upserts: Vec<(String, String)>, removals: Vec<(&str, Removal)>) -> Changes<'_> {
    Changes {
        upserts: upserts
            .into_iter()
            .map(|(id, data)| (id.into(), data.into()))
            .collect(),
        removals: removals.into_iter().map(|(id, r)| (id.into(), r)).collect(),
        ..Changes::default()
    }
}

/// What every store must do; `count` reads `SELECT count(*) ...` from it.
async fn promises<S: Store>(store: &mut S, count: impl AsyncFn(&mut S, &str) -> i64) {
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
        vec![user("d", "D"), ("a".to_owned(), "not json".to_owned())],
        vec![],
    );
    assert!(
        store
            .apply(t, Kind::Users, &broken, &cursor("next-2", false, false, 1))
            .await
            .is_err()
    );
    assert_eq!(store.cursor(t, Kind::Users).await.unwrap(), Some(first));
    assert_eq!(
        count(store, "SELECT count(*) FROM users WHERE id = 'd'").await,
        0
    );

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
        count(
            store,
            "SELECT count(*) FROM users WHERE id = 'b' AND removed = 'changed'"
        )
        .await,
        1
    );
    assert_eq!(
        count(store, "SELECT count(*) FROM users WHERE id = 'c'").await,
        0
    );
    assert_eq!(
        count(
            store,
            "SELECT count(*) FROM users WHERE \"displayName\" = 'A2'"
        )
        .await,
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
        count(
            store,
            "SELECT count(*) FROM users WHERE tenant = 'tenant-a'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            store,
            "SELECT count(*) FROM users WHERE tenant = 'tenant-b'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn sqlite_keeps_the_promises() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/mirror.db");
    let mut store = SqliteStore::open(&path).unwrap();
    promises(&mut store, async |s: &mut SqliteStore, sql: &str| {
        s.connection().query_row(sql, [], |row| row.get(0)).unwrap()
    })
    .await;
    // Reopening applies no migration twice and keeps the data.
    drop(store);
    let again = SqliteStore::open(&path).unwrap();
    let users: i64 = again
        .connection()
        .query_row("SELECT count(*) FROM users", [], |row| row.get(0))
        .unwrap();
    assert_eq!(users, 2);
}

#[tokio::test]
async fn postgres_keeps_the_promises() {
    let url = entrad_testkit::fresh_postgres_database().await.unwrap();
    let mut store = PostgresStore::connect(&url).await.unwrap();
    promises(&mut store, async |s: &mut PostgresStore, sql: &str| {
        s.client().query_one(sql, &[]).await.unwrap().get(0)
    })
    .await;
    drop(store);
    PostgresStore::connect(&url).await.unwrap();
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
