//! `entrad sync`: the real binary mirrors the emulator's directory into a
//! real SQLite file or PostgreSQL server (scripts/test starts one), and the
//! mirror is compared with what Graph holds and with a clean run's.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Emulator, entrad_process, stderr_of, succeed};

/// Users of every emulator here; pages of 20 give several pages per round.
const USERS: usize = 120;
const PAGE: &str = "20";

/// A mirror database: a SQLite file or a fresh PostgreSQL database.
enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Db {
    fn sqlite(dir: &Path, name: &str) -> Db {
        Db::Sqlite(dir.join(name))
    }

    fn postgres(emulator: &Emulator) -> Db {
        Db::Postgres(
            emulator
                .block_on(entrad_testkit::fresh_postgres_database())
                .unwrap_or_else(|e| panic!("{e}")),
        )
    }

    fn spec(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite:{}", path.display()),
            Db::Postgres(url) => url.clone(),
        }
    }

    /// Rows of `sql` (the same text in both databases), each column as text.
    fn query(&self, emulator: &Emulator, sql: &str) -> Vec<Vec<String>> {
        self.try_query(emulator, sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// `query`, or why it failed (no such table yet, a busy database).
    fn try_query(&self, emulator: &Emulator, sql: &str) -> Result<Vec<Vec<String>>, String> {
        match self {
            Db::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                let mut statement = conn.prepare(sql).map_err(|e| e.to_string())?;
                let columns = statement.column_count();
                let rows = statement
                    .query_map([], |row| {
                        (0..columns)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        String::from_utf8_lossy(t).into_owned()
                                    }
                                    other => format!("{other:?}"),
                                })
                            })
                            .collect()
                    })
                    .map_err(|e| e.to_string())?;
                rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
            }
            Db::Postgres(url) => emulator.block_on(async {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                let connection = tokio::spawn(connection);
                let rows = client.simple_query(sql).await;
                connection.abort();
                Ok(rows
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .filter_map(|message| match message {
                        tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect())
            }),
        }
    }

    /// One value.
    fn value(&self, emulator: &Emulator, sql: &str) -> String {
        let rows = self.query(emulator, sql);
        assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
        rows[0][0].clone()
    }

    /// Every mirrored row, in order: what two runs must agree on.
    fn dump(&self, emulator: &Emulator) -> Vec<Vec<String>> {
        let data = match self {
            Db::Sqlite(_) => "data",
            Db::Postgres(_) => "data::text",
        };
        let mut rows = Vec::new();
        for table in ["users", "groups"] {
            rows.extend(self.query(
                emulator,
                &format!("SELECT '{table}', tenant, id, {data}, coalesce(removed, '') FROM {table} ORDER BY tenant, id"),
            ));
        }
        rows.extend(self.query(
            emulator,
            "SELECT 'member', tenant, group_id, member_id, member_type FROM memberships ORDER BY tenant, group_id, member_id",
        ));
        // The same object reads the same from either database.
        for row in &mut rows {
            if let Ok(value) = serde_json::from_str::<Value>(&row[3]) {
                row[3] = value.to_string();
            }
        }
        rows
    }

    /// The user ids, in order.
    fn user_ids(&self, emulator: &Emulator) -> Vec<String> {
        self.query(emulator, "SELECT id FROM users ORDER BY id")
            .into_iter()
            .map(|mut row| row.remove(0))
            .collect()
    }
}

/// Two mirrors hold the same rows; the first rows that differ otherwise.
fn assert_same(emulator: &Emulator, left: &Db, right: &Db) {
    let (left, right) = (left.dump(emulator), right.dump(emulator));
    let only_left: Vec<_> = left.iter().filter(|r| !right.contains(r)).take(3).collect();
    let only_right: Vec<_> = right.iter().filter(|r| !left.contains(r)).take(3).collect();
    assert!(
        only_left.is_empty() && only_right.is_empty() && left.len() == right.len(),
        "{} and {} rows; only in the first: {only_left:?}; only in the second: {only_right:?}",
        left.len(),
        right.len()
    );
}

/// `entrad --format json sync users --page-size 20 --into DB` for `emulator`.
fn sync(emulator: &Emulator, db: &Db) -> assert_cmd::Command {
    let mut cmd = emulator.configured();
    cmd.args([
        "--format",
        "json",
        "sync",
        "users",
        "--page-size",
        PAGE,
        "--into",
    ])
    .arg(db.spec());
    cmd
}

/// `entrad --format json sync --page-size 20 --into DB`: users and groups.
fn sync_both(emulator: &Emulator, db: &Db) -> assert_cmd::Command {
    let mut cmd = emulator.configured();
    cmd.args(["--format", "json", "sync", "--page-size", PAGE, "--into"])
        .arg(db.spec());
    cmd
}

/// `sync_both`, as a process to kill or signal.
fn spawn_sync(emulator: &Emulator, db: &Db, extra: &[&str]) -> Child {
    spawn_sync_paged(emulator, db, PAGE, extra)
}

/// [`spawn_sync`] asking for pages of `page` objects.
fn spawn_sync_paged(emulator: &Emulator, db: &Db, page: &str, extra: &[&str]) -> Child {
    let mut cmd = entrad_process();
    cmd.env("ENTRAD_CACHE", "memory")
        .arg("--ca-file")
        .arg(emulator.ca_file())
        .arg("--config")
        .arg(emulator.file("parameters.json"))
        .args(["--format", "json", "sync", "--page-size", page, "--into"])
        .arg(db.spec())
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

/// The summary a run printed (its last line of stdout).
fn summary(output: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().expect("a summary line");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// Sets a user's displayName through the admin API.
fn rename(emulator: &Emulator, id: &str, name: impl Into<String>) {
    let body = json!({"displayName": name.into()});
    emulator.admin(|a| a.modify_user(id, &body));
}

/// Adds `n` new users through the admin API.
fn add_users(emulator: &Emulator, n: usize) {
    for _ in 0..n {
        let name = format!("new{}", random_below(1 << 40));
        emulator.add_users(json!({
            "userPrincipalName": format!("{name}@entrademo.onmicrosoft.com"),
            "displayName": name,
        }));
    }
}

/// Adds `n` new users to the tenant `tenant` (id or domain).
fn add_users_in(emulator: &Emulator, tenant: &str, n: usize) {
    for _ in 0..n {
        let name = format!("new{}", random_below(1 << 40));
        let body = json!({"userPrincipalName": format!("{name}@{tenant}"), "displayName": name});
        emulator.admin(|a| a.add_user_in(tenant, &body));
    }
}

/// A random number below `n` (a fresh hasher key each call).
fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % n
}

fn changes_then_delta(emulator: &Emulator, db: &Db) {
    let first = summary(&succeed(&mut sync(emulator, db)));
    assert_eq!(first["added"], USERS, "{first}");
    assert_eq!(first["pages"], USERS / 20, "{first}");
    let tenant = emulator.tenant_id();
    assert_eq!(
        db.value(emulator, &format!("SELECT count(*) FROM users WHERE tenant = '{tenant}' AND \"displayName\" IS NOT NULL")),
        USERS.to_string()
    );
    let ids = db.user_ids(emulator);
    rename(emulator, &ids[0], "Renamed Once");
    rename(emulator, &ids[1], "Renamed Twice");
    emulator.admin(|a| a.remove_user(&ids[2]));
    emulator.admin(|a| a.delete_user(&ids[3]));
    add_users(emulator, 2);

    let second = summary(&succeed(&mut sync(emulator, db)));
    assert_eq!(
        (&second["added"], &second["changed"], &second["removed"]),
        (&json!(2), &json!(2), &json!(2)),
        "{second}"
    );
    let name = |id: &str| {
        db.value(
            emulator,
            &format!("SELECT \"displayName\" FROM users WHERE id = '{id}'"),
        )
    };
    assert_eq!(name(&ids[0]), "Renamed Once");
    assert_eq!(name(&ids[1]), "Renamed Twice");
    // Soft delete: the row stays, marked; hard delete: the row is gone.
    assert_eq!(
        db.value(
            emulator,
            &format!("SELECT removed FROM users WHERE id = '{}'", ids[2])
        ),
        "changed"
    );
    assert_eq!(
        db.value(
            emulator,
            &format!("SELECT count(*) FROM users WHERE id = '{}'", ids[3])
        ),
        "0"
    );
    assert_eq!(
        db.value(emulator, "SELECT count(*) FROM users"),
        (USERS + 2 - 1).to_string()
    );
    let third = summary(&succeed(&mut sync(emulator, db)));
    assert_eq!(
        (
            &third["added"],
            &third["changed"],
            &third["removed"],
            &third["pages"]
        ),
        (&json!(0), &json!(0), &json!(0), &json!(1)),
        "{third}"
    );
}

#[test]
fn sqlite_first_run_is_a_full_round_and_the_next_applies_exactly_the_changes() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    changes_then_delta(&emulator, &Db::sqlite(dir.path(), "mirror.db"));
}

#[test]
fn postgres_first_run_is_a_full_round_and_the_next_applies_exactly_the_changes() {
    let emulator = Emulator::start(USERS);
    changes_then_delta(&emulator, &Db::postgres(&emulator));
}

/// What the mirror has committed so far: its sync state rows as one string
/// (empty before the first commit).
fn committed(emulator: &Emulator, db: &Db) -> String {
    db.try_query(
        emulator,
        "SELECT kind, link, done FROM sync_state ORDER BY kind",
    )
    .map(|rows| format!("{rows:?}"))
    .unwrap_or_default()
}

/// Kills `entrad sync` (SIGKILL) at random points until a run finishes on its
/// own; returns how many kills left a round half done.
///
/// Each kill waits until the run has committed at least one more page, then
/// a random part of a page's time, so every kill lands at a new point of the
/// round however fast or slow the machine is. Pages of 5 objects make rounds
/// of many pages, so that noticing a commit late (a loaded machine) still
/// leaves pages to kill in. A run that found the tenant busy (PostgreSQL had
/// not yet ended the killed run's session, and with it its advisory lock) did
/// not finish: it is run again.
fn kill_until_done(emulator: &Emulator, db: &Db) -> usize {
    let mut half_done = 0;
    for _ in 0..200 {
        let before = committed(emulator, db);
        let mut child = spawn_sync_paged(emulator, db, "5", &[]);
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            if committed(emulator, db) != before {
                break false;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if finished {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{}", stderr_of(&output));
            if summary(&output)["busy"] == json!([]) {
                return half_done;
            }
            continue;
        }
        std::thread::sleep(Duration::from_millis(random_below(60)));
        child.kill().unwrap();
        child.wait().unwrap();
        let states = db.query(emulator, "SELECT count(*) FROM sync_state WHERE NOT done");
        if states.first().is_some_and(|row| row[0] == "1") {
            half_done += 1;
        }
    }
    panic!("the sync never finished between kills");
}

fn killed_at_random_pages(emulator: &Emulator, clean: &Db, killed: &Db) {
    // Slow pages, so that kills land in the middle of rounds.
    for route in ["users-delta", "groups-delta"] {
        emulator.add_fault(json!({"route": route, "kind": "latency", "latency_ms": 40}));
    }
    succeed(&mut sync_both(emulator, clean));
    let half_done = kill_until_done(emulator, killed);
    assert!(half_done >= 2, "only {half_done} kills landed mid-round");
    assert_same(emulator, killed, clean);
    // Then a round of changes, killed too, against a clean run of it: enough
    // changes for several pages, so that kills land mid-round here too.
    let ids = clean.user_ids(emulator);
    for id in &ids[..100] {
        rename(emulator, id, format!("New {id}"));
    }
    emulator.admin(|a| a.delete_user(&ids[40]));
    let group = clean.value(emulator, "SELECT id FROM groups ORDER BY id LIMIT 1");
    emulator.admin(|a| a.add_member(&group, &ids[41]));
    succeed(&mut sync_both(emulator, clean));
    let half_done = kill_until_done(emulator, killed);
    assert!(
        half_done >= 2,
        "only {half_done} kills landed mid-round of changes"
    );
    assert_same(emulator, killed, clean);
}

#[test]
fn sqlite_killed_at_random_pages_resumes_with_nothing_lost_or_applied_twice() {
    let emulator = Emulator::start(USERS * 4);
    let dir = tempfile::tempdir().unwrap();
    killed_at_random_pages(
        &emulator,
        &Db::sqlite(dir.path(), "clean.db"),
        &Db::sqlite(dir.path(), "killed.db"),
    );
}

#[test]
fn postgres_killed_at_random_pages_resumes_with_nothing_lost_or_applied_twice() {
    let emulator = Emulator::start(USERS * 4);
    killed_at_random_pages(
        &emulator,
        &Db::postgres(&emulator),
        &Db::postgres(&emulator),
    );
}

#[test]
fn postgres_a_page_the_database_refuses_stops_the_pages_behind_it_and_the_next_run_resumes() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    let clean = Db::sqlite(dir.path(), "clean.db");
    let db = Db::postgres(&emulator);
    // The groups first (the mirror's schema with them), then a trigger that
    // refuses the third page of 20 users once, slowly: the pages after it
    // are fetched and sent to the server meanwhile (pipelined), and a page
    // that did not check that the one before was committed would be let in
    // on the next try.
    for mirror in [&clean, &db] {
        succeed(
            emulator
                .configured()
                .args(["sync", "groups", "--into"])
                .arg(mirror.spec()),
        );
    }
    succeed(&mut sync(&emulator, &clean));
    db.query(
        &emulator,
        "CREATE SEQUENCE refusals;
         CREATE FUNCTION refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF (SELECT count(*) FROM users) = 40 AND nextval('refusals') = 1 THEN
             PERFORM pg_sleep(0.5);
             RAISE EXCEPTION 'refused by the test';
           END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_once();",
    );
    let output = sync(&emulator, &db).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("applying a page of users"), "{stderr}");
    // The refused page's own failure is reported, not that of the page behind
    // it, which failed because of it.
    assert!(stderr.contains("refused by the test"), "{stderr}");
    // Two pages committed, with the link to the third: nothing after it.
    assert_eq!(db.value(&emulator, "SELECT count(*) FROM users"), "40");
    assert_eq!(
        db.query(
            &emulator,
            "SELECT done FROM sync_state WHERE kind = 'users'"
        ),
        [["f"]]
    );
    // The next run resumes at the third page and ends as a clean run.
    let resumed = summary(&succeed(&mut sync(&emulator, &db)));
    assert_eq!(resumed["added"], USERS - 40, "{resumed}");
    assert_same(&emulator, &db, &clean);
}

#[test]
fn under_20_percent_throttling_and_outages_the_mirror_ends_as_a_clean_run() {
    let emulator = Emulator::start(USERS * 4);
    let dir = tempfile::tempdir().unwrap();
    let clean = Db::sqlite(dir.path(), "clean.db");
    succeed(&mut sync_both(&emulator, &clean));
    for kind in ["429", "503", "504"] {
        emulator.add_fault(
            json!({"route": "users-delta", "kind": kind, "rate": 0.07, "retry_after": 0}),
        );
    }
    for db in [Db::sqlite(dir.path(), "faults.db"), Db::postgres(&emulator)] {
        succeed(sync_both(&emulator, &db).args(["--max-attempts", "12"]));
        assert_same(&emulator, &db, &clean);
    }
    assert!(emulator.stats().faults() > 0, "no fault fired");
}

fn resync_after_410(emulator: &Emulator, db: &Db, clean: &Db) {
    succeed(&mut sync_both(emulator, db));
    let ids = db.user_ids(emulator);
    rename(emulator, &ids[0], "After The Reset");
    emulator.admin(|a| a.remove_user(&ids[1]));
    emulator.admin(|a| a.delete_user(&ids[2]));
    add_users(emulator, 1);
    // Graph forgets every round: the stored deltaLink now gets 410 syncStateNotFound.
    emulator.admin(|a| a.reset_delta());
    let resynced = summary(&succeed(&mut sync_both(emulator, db)));
    // The fresh round did not see the two removed users: swept.
    assert_eq!(resynced["removed"], 2, "{resynced}");
    assert_eq!(resynced["added"], 1, "{resynced}");
    succeed(&mut sync_both(emulator, clean));
    assert_same(emulator, db, clean);
    let next = summary(&succeed(&mut sync_both(emulator, db)));
    assert_eq!(
        (&next["added"], &next["removed"]),
        (&json!(0), &json!(0)),
        "{next}"
    );
}

#[test]
fn sqlite_a_lost_sync_state_starts_a_fresh_round_and_sweeps_what_it_did_not_see() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    resync_after_410(
        &emulator,
        &Db::sqlite(dir.path(), "mirror.db"),
        &Db::sqlite(dir.path(), "clean.db"),
    );
}

#[test]
fn postgres_a_lost_sync_state_starts_a_fresh_round_and_sweeps_what_it_did_not_see() {
    let emulator = Emulator::start(USERS);
    resync_after_410(
        &emulator,
        &Db::postgres(&emulator),
        &Db::postgres(&emulator),
    );
}

#[test]
fn tenants_are_synced_each_into_its_own_rows_and_one_failing_is_reported_alone() {
    let emulator = Emulator::start_tenants(USERS, 3);
    let tenants = emulator.tenants();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path(), "mirror.db");
    // By id, by domain, and one the token service does not know.
    let file = dir.path().join("tenants.txt");
    std::fs::write(
        &file,
        format!(
            "# the fleet\n{}\n{}  # by domain\nno-such-tenant.example\n{}\n",
            tenants[0].0, tenants[1].1, tenants[2].0
        ),
    )
    .unwrap();
    let output = sync_both(&emulator, &db)
        .args(["--concurrency", "2", "--tenants"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("tenant no-such-tenant.example:"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 4 tenants failed"), "{stderr}");
    let line = summary(&output);
    assert_eq!(line["tenants"], 4, "{line}");
    assert_eq!(line["added"], 3 * (USERS + USERS / 10), "{line}");
    assert_eq!(
        line["failed"][0]["tenant"], "no-such-tenant.example",
        "{line}"
    );
    let keys = [&tenants[0].0, &tenants[1].1, &tenants[2].0];
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        assert_eq!(
            db.value(
                &emulator,
                &format!("SELECT count(*) FROM users WHERE tenant = '{key}'")
            ),
            USERS.to_string()
        );
        assert_eq!(
            db.value(
                &emulator,
                &format!("SELECT count(*) FROM groups WHERE tenant = '{key}'")
            ),
            (USERS / 10).to_string()
        );
        for row in db.query(
            &emulator,
            &format!("SELECT id FROM users WHERE tenant = '{key}'"),
        ) {
            seen.insert(row[0].clone());
        }
    }
    // Three directories, not one read three times.
    assert_eq!(seen.len(), 3 * USERS);
}

#[test]
fn a_fleet_of_watchers_splits_the_tenants_and_takes_over_from_a_dead_one() {
    let emulator = Emulator::start_tenants(USERS, 3);
    let tenants = emulator.tenants();
    let db = Db::postgres(&emulator);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenants.txt");
    let ids: Vec<&str> = tenants.iter().map(|t| t.0.as_str()).collect();
    std::fs::write(&file, ids.join("\n")).unwrap();
    for route in ["users-delta", "groups-delta"] {
        emulator.add_fault(json!({"route": route, "kind": "latency", "latency_ms": 30}));
    }
    let file = file.to_str().unwrap();
    let watch = ["--watch", "1s", "--concurrency", "3", "--tenants", file];
    let mut first = spawn_sync(&emulator, &db, &watch);
    let mut second = spawn_sync(&emulator, &db, &watch);
    let first_lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let mut second_lines = BufReader::new(second.stdout.take().unwrap()).lines();
    // Both run at once: a tenant one holds, the other skips.
    let mut busy = 0;
    let mut runs: Vec<Value> = Vec::new();
    for line in first_lines.take(2).chain(second_lines.by_ref().take(2)) {
        let run: Value = serde_json::from_str(&line.unwrap()).unwrap();
        assert_eq!(run["failed"], json!([]), "{run}");
        busy += run["busy"].as_array().unwrap().len();
        runs.push(run);
    }
    assert!(busy > 0, "the two workers never met on a tenant: {runs:?}");
    // The first dies; the second keeps every tenant current on its own.
    first.kill().unwrap();
    first.wait().unwrap();
    add_users_in(&emulator, &tenants[1].1, 2);
    let mut taken_over = false;
    for line in second_lines.by_ref().take(10) {
        let run: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if run["busy"] == json!([]) && run["tenants"] == 3 {
            taken_over = true;
            if db.value(
                &emulator,
                &format!(
                    "SELECT count(*) FROM users WHERE tenant = '{}'",
                    tenants[1].0
                ),
            ) == (USERS + 2).to_string()
            {
                break;
            }
        }
    }
    assert!(
        taken_over,
        "the second worker never had every tenant to itself"
    );
    for (i, (id, _)) in tenants.iter().enumerate() {
        let expected = if i == 1 { USERS + 2 } else { USERS };
        assert_eq!(
            db.value(
                &emulator,
                &format!("SELECT count(*) FROM users WHERE tenant = '{id}'")
            ),
            expected.to_string()
        );
    }
    second.kill().unwrap();
    second.wait().unwrap();
}

/// Two workers started together, each over both tenants in its own order,
/// one at a time: the first takes a large tenant, the second a small one,
/// then the large one (busy: skipped). When the first is done, the second
/// has synced the small one during the first's run: skipped too, not synced
/// twice. (Without the rule the first synced it again: 2 of 2 tenants.)
#[test]
fn a_fleet_syncs_each_tenant_once_per_run() {
    let emulator = Emulator::start_tenants(USERS, 2);
    let tenants = emulator.tenants();
    let (large, small) = (&tenants[0], &tenants[1]);
    add_users_in(&emulator, &large.1, 3 * USERS);
    for route in ["users-delta", "groups-delta"] {
        emulator.add_fault(json!({"route": route, "kind": "latency", "latency_ms": 30}));
    }
    let db = Db::postgres(&emulator);
    let dir = tempfile::tempdir().unwrap();
    let in_order = |name: &str, first: &str, second: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, format!("{first}\n{second}\n")).unwrap();
        file
    };
    let first_file = in_order("first.txt", &large.0, &small.0);
    let second_file = in_order("second.txt", &small.0, &large.0);
    let worker = |file: &std::path::Path| {
        spawn_sync(
            &emulator,
            &db,
            &["--concurrency", "1", "--tenants", file.to_str().unwrap()],
        )
    };
    let first = worker(&first_file);
    // The second starts once the first is inside the large tenant.
    let inside = format!(
        "SELECT count(*) FROM sync_state WHERE tenant = '{}' AND NOT done",
        large.0
    );
    while db.try_query(&emulator, &inside).unwrap_or_default() != [["1".to_owned()]] {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = worker(&second_file);
    let finish = |child: Child| {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        summary(&output)
    };
    let first = finish(first);
    let second = finish(second);
    assert_eq!(first["busy"], json!([small.0]), "{first}");
    assert_eq!(second["busy"], json!([large.0]), "{second}");
    assert_eq!(
        first["added"].as_u64().unwrap() + second["added"].as_u64().unwrap(),
        (4 * USERS + USERS) as u64 + 2 * (USERS / 10) as u64,
        "{first} {second}"
    );
    assert_eq!(
        (&first["changed"], &second["changed"]),
        (&json!(0), &json!(0))
    );
}

#[test]
fn a_tenant_locked_by_another_worker_is_skipped_then_taken_when_the_worker_dies() {
    let emulator = Emulator::start(USERS);
    let db = Db::postgres(&emulator);
    let Db::Postgres(url) = &db else {
        unreachable!()
    };
    let tenant = emulator.tenant_id();
    // Another worker, here the test itself, holds the tenant.
    let (client, connection, held) = emulator.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let connection = tokio::spawn(connection);
        let held: bool = client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtextextended('entrad-sync:' || $1, 0))",
                &[&tenant],
            )
            .await
            .unwrap()
            .get(0);
        (client, connection, held)
    });
    assert!(held);
    let busy = summary(&succeed(&mut sync(&emulator, &db)));
    assert_eq!(busy["busy"], json!([tenant]), "{busy}");
    assert_eq!(busy["added"], 0, "{busy}");
    drop(client);
    connection.abort();

    // A worker dies mid-round (SIGKILL) holding the tenant: its connection
    // ends, the lock goes with it, and the next worker finishes the round.
    emulator.add_fault(json!({"route": "users-delta", "kind": "latency", "latency_ms": 300}));
    let mut worker = spawn_sync(&emulator, &db, &["--watch", "1h"]);
    let mut started = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        let rows = db.query(&emulator, "SELECT count(*) FROM sync_state WHERE NOT done");
        if rows.first().is_some_and(|row| row[0] == "1") {
            started = true;
            break;
        }
    }
    assert!(started, "the first worker never applied a page");
    let while_held = summary(&succeed(&mut sync(&emulator, &db)));
    assert_eq!(while_held["busy"], json!([tenant]), "{while_held}");
    worker.kill().unwrap();
    worker.wait().unwrap();
    let taken = summary(&succeed(&mut sync(&emulator, &db)));
    assert_eq!(taken["busy"], json!([]), "{taken}");
    assert_eq!(
        db.value(&emulator, "SELECT count(*) FROM users"),
        USERS.to_string()
    );
}

#[test]
fn watch_syncs_again_and_stops_cleanly_on_sigterm() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path(), "mirror.db");
    let mut child = spawn_sync(&emulator, &db, &["--watch", "1s"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["added"], USERS + USERS / 10, "{first}");
    add_users(&emulator, 3);
    // Later runs pick up the change (within about a second each).
    let mut added = 0;
    for line in lines.by_ref().take(5) {
        let run: Value = serde_json::from_str(&line.unwrap()).unwrap();
        added += run["added"].as_u64().unwrap();
        if added == 3 {
            break;
        }
    }
    assert_eq!(added, 3);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("stopped by a signal"));
}

#[test]
fn the_default_database_is_in_the_users_data_directory_and_the_line_is_text() {
    let emulator = Emulator::start(USERS);
    let data = tempfile::tempdir().unwrap();
    let output = succeed(
        emulator
            .configured()
            .env("XDG_DATA_HOME", data.path())
            .env("HOME", data.path())
            .args(["sync", "users"]),
    );
    let line = String::from_utf8_lossy(&output.stdout);
    assert!(
        line.starts_with(&format!(
            "synced 1 tenant(s): {USERS} added, 0 changed, 0 removed"
        )),
        "{line}"
    );
    assert!(line.contains("1 token requests"), "{line}");
    let db = Db::Sqlite(data.path().join("entrad/mirror.db"));
    assert_eq!(
        db.value(&emulator, "SELECT count(*) FROM users"),
        USERS.to_string()
    );
}

#[test]
fn bad_targets_and_intervals_are_usage_errors() {
    let emulator = Emulator::start(3);
    for (args, expected) in [
        (
            vec!["--into", "mysql://u:hunter2@h/db"],
            "use sqlite:PATH or postgres://",
        ),
        (
            vec!["--into", "sqlite:/tmp/x.db", "--watch", "5d"],
            "is not an interval",
        ),
        (
            vec!["--into", "sqlite:/tmp/x.db", "--select", "mail;drop"],
            "is not a property name",
        ),
    ] {
        let output = emulator
            .configured()
            .args(["sync", "users"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
        let stderr = stderr_of(&output);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// `entrad --format json sync` (users and groups) into `db`.
fn sync_all(emulator: &Emulator, db: &Db) -> Value {
    let mut cmd = emulator.configured();
    cmd.args(["--format", "json", "sync", "--page-size", PAGE, "--into"])
        .arg(db.spec());
    summary(&succeed(&mut cmd))
}

/// Each mirrored group's members, against the emulator's.
fn memberships_match(emulator: &Emulator, db: &Db) -> usize {
    let groups = db.query(
        emulator,
        "SELECT id FROM groups WHERE removed IS NULL ORDER BY id",
    );
    for row in &groups {
        let group = emulator.admin(|a| a.group(&row[0]));
        let mut expected: Vec<String> = group["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        let mirrored: Vec<String> = db
            .query(
                emulator,
                &format!(
                    "SELECT member_id FROM memberships WHERE group_id = '{}' ORDER BY member_id",
                    row[0]
                ),
            )
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect();
        assert_eq!(mirrored, expected, "group {}", row[0]);
    }
    groups.len()
}

fn groups_and_members(emulator: &Emulator, db: &Db) {
    let first = sync_all(emulator, db);
    assert_eq!(first["added"], USERS + USERS / 10, "{first}");
    assert!(
        first["members_added"].as_u64().unwrap() >= (USERS / 10) as u64,
        "{first}"
    );
    assert_eq!(memberships_match(emulator, db), USERS / 10);
    let groups: Vec<String> = db
        .query(emulator, "SELECT id FROM groups ORDER BY id")
        .into_iter()
        .map(|mut r| r.remove(0))
        .collect();
    let member = db.value(
        emulator,
        &format!(
            "SELECT member_id FROM memberships WHERE group_id = '{}' ORDER BY member_id LIMIT 1",
            groups[0]
        ),
    );
    let outsider = db.value(
        emulator,
        &format!("SELECT id FROM users WHERE id NOT IN (SELECT member_id FROM memberships WHERE group_id = '{}') ORDER BY id LIMIT 1", groups[0]),
    );
    emulator.admin(|a| a.remove_member(&groups[0], &member));
    emulator.admin(|a| a.add_member(&groups[0], &outsider));
    emulator.admin(|a| a.remove_group(&groups[1], false));
    emulator.admin(|a| a.remove_group(&groups[2], true));
    let second = sync_all(emulator, db);
    assert_eq!(second["removed"], 2, "{second}");
    assert_eq!(second["members_added"], 1, "{second}");
    assert!(second["members_removed"].as_u64().unwrap() >= 1, "{second}");
    assert_eq!(memberships_match(emulator, db), USERS / 10 - 2);
    assert_eq!(
        db.value(
            emulator,
            &format!("SELECT removed FROM groups WHERE id = '{}'", groups[1])
        ),
        "changed"
    );
    assert_eq!(
        db.value(
            emulator,
            &format!(
                "SELECT count(*) FROM memberships WHERE group_id = '{}'",
                groups[2]
            )
        ),
        "0"
    );
    assert_eq!(
        db.value(
            emulator,
            &format!("SELECT count(*) FROM groups WHERE id = '{}'", groups[2])
        ),
        "0"
    );
}

#[test]
fn sqlite_groups_carry_their_members_into_the_membership_table() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    groups_and_members(&emulator, &Db::sqlite(dir.path(), "mirror.db"));
}

#[test]
fn postgres_groups_carry_their_members_into_the_membership_table() {
    let emulator = Emulator::start(USERS);
    groups_and_members(&emulator, &Db::postgres(&emulator));
}

#[test]
fn select_fixes_the_columns_and_a_new_selection_starts_a_fresh_round() {
    let emulator = Emulator::start(USERS);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path(), "mirror.db");
    let first = summary(&succeed(
        sync(&emulator, &db).args(["--select", "displayName"]),
    ));
    assert_eq!(first["added"], USERS, "{first}");
    // Only the selected property (and id) is asked for and kept.
    assert_eq!(
        db.value(
            &emulator,
            "SELECT count(*) FROM users WHERE json_extract(data, '$.mail') IS NOT NULL"
        ),
        "0"
    );
    let second = summary(&succeed(
        sync(&emulator, &db).args(["--select", "displayName,mail"]),
    ));
    assert_eq!(
        (&second["added"], &second["changed"]),
        (&json!(0), &json!(USERS)),
        "{second}"
    );
    assert_eq!(
        db.value(
            &emulator,
            "SELECT count(*) FROM users WHERE mail IS NOT NULL"
        ),
        db.value(
            &emulator,
            "SELECT count(*) FROM users WHERE json_extract(data, '$.mail') IS NOT NULL"
        )
    );
    assert_ne!(
        db.value(
            &emulator,
            "SELECT count(*) FROM users WHERE mail IS NOT NULL"
        ),
        "0"
    );
    // Back to one property: the mail column stays, and still follows the
    // stored objects (which no longer hold a mail).
    summary(&succeed(
        sync(&emulator, &db).args(["--select", "displayName"]),
    ));
    assert_eq!(
        db.value(
            &emulator,
            "SELECT count(*) FROM users WHERE mail IS NOT NULL"
        ),
        "0"
    );
    assert_eq!(
        db.value(
            &emulator,
            "SELECT count(*) FROM users WHERE \"displayName\" = json_extract(data, '$.displayName')"
        ),
        USERS.to_string()
    );
}

/// A Graph (a mock) whose users delta round is one page, `first`, with a
/// link to a second page served by `second`.
fn mock_graph(runtime: &tokio::runtime::Runtime, second: Value) -> wiremock::MockServer {
    use wiremock::matchers::{method, path, query_param, query_param_is_missing};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    runtime.block_on(async {
        let graph = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1.0/users/delta"))
            .and(query_param_is_missing("page"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "@odata.nextLink": format!("{}/v1.0/users/delta?page=2", graph.uri()),
                "value": [{"id": "1", "displayName": "One"}],
            })))
            .mount(&graph)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/users/delta"))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(second))
            .mount(&graph)
            .await;
        graph
    })
}

#[test]
fn a_link_to_another_origin_is_never_stored_and_fails_every_run_alike() {
    let emulator = Emulator::start(1);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = "http://127.0.0.1:9/v1.0/users/delta";
    for (name, link) in ["@odata.deltaLink", "@odata.nextLink"]
        .into_iter()
        .enumerate()
    {
        let graph = mock_graph(
            &runtime,
            json!({link: format!("{elsewhere}?$deltatoken=stolen"), "value": [{"id": "2"}]}),
        );
        let db = Db::sqlite(dir.path(), &format!("mirror-{name}.db"));
        // The first page and its (good) nextLink are committed; the second
        // page's link leads elsewhere: the page is not applied, the stored
        // state stays at the first page's link, and a second run fails the
        // same way (a stored bad link would make it a configuration error).
        for _ in 0..2 {
            let output = emulator
                .configured()
                .args(["--graph-url", &graph.uri(), "--allow-insecure-loopback"])
                .args(["sync", "users", "--into"])
                .arg(db.spec())
                .output()
                .unwrap();
            let stderr = stderr_of(&output);
            assert_eq!(output.status.code(), Some(1), "{link}: {stderr}");
            assert!(stderr.contains(link), "{stderr}");
            assert!(stderr.contains("http://127.0.0.1:9"), "{stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
            assert_eq!(
                db.query(&emulator, "SELECT link, done FROM sync_state"),
                [[
                    format!("{}/v1.0/users/delta?page=2", graph.uri()),
                    "0".to_owned()
                ]],
                "{link}"
            );
            assert_eq!(db.user_ids(&emulator), ["1"], "{link}");
        }
    }
}

/// `cmd` run by `sh` under a file size limit of `blocks` (`ulimit -f`).
fn under_file_size_limit(cmd: &std::process::Command, blocks: u32) -> std::process::Command {
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$@\""))
        .arg("sh")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => sh.env(key, value),
            None => sh.env_remove(key),
        };
    }
    sh.stdout(Stdio::piped()).stderr(Stdio::piped());
    sh
}

#[test]
fn a_local_database_that_cannot_be_used_is_a_configuration_error_with_a_hint() {
    let emulator = Emulator::start(USERS * 4);
    let dir = tempfile::tempdir().unwrap();
    let not_a_database = dir.path().join("notes.txt");
    std::fs::write(&not_a_database, "a text file, not a database\n".repeat(200)).unwrap();
    let directory = dir.path().join("a-directory");
    std::fs::create_dir(&directory).unwrap();
    for (db, hint) in [
        (Db::Sqlite(not_a_database), "not a SQLite database"),
        (Db::Sqlite(directory), "cannot be opened as a database file"),
    ] {
        let output = sync(&emulator, &db).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(hint), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    // A write past the file size limit (SIGXFSZ) is reported, not fatal:
    // at several limits, wherever the write that passes it falls.
    for blocks in [1, 64, 512] {
        let db = Db::sqlite(dir.path(), &format!("limited-{blocks}.db"));
        let mut cmd = entrad_process();
        cmd.arg("--ca-file")
            .arg(emulator.ca_file())
            .arg("--config")
            .arg(emulator.file("parameters.json"))
            .args(["sync", "--page-size", PAGE, "--into"])
            .arg(db.spec());
        let output = under_file_size_limit(&cmd, blocks).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{blocks}: {output:?}");
        assert!(stderr.contains("file size limit (ulimit -f)"), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

/// One tenant's token is asked for while its database is opened: a refused
/// secret fails as it did when the first delta request asked (exit 3, the
/// service's code), writing nothing; a database that cannot be reached is
/// still what is reported first (exit 5).
#[test]
fn a_refused_secret_and_an_unreachable_database_fail_as_before_the_early_token() {
    let emulator = Emulator::start(USERS);
    let db = Db::postgres(&emulator);
    let refused = |spec: String| {
        let mut cmd = emulator.configured();
        cmd.args(["--client-secret=not-the-secret", "--format", "json"])
            .args(["sync", "users", "--into"])
            .arg(spec);
        cmd.output().unwrap()
    };
    let output = refused(db.spec());
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("AADSTS7000215"), "{stderr}");
    assert_eq!(db.value(&emulator, "SELECT count(*) FROM sync_state"), "0");

    let closed = crate::support::closed_address();
    let output = refused(format!("postgres://postgres@{closed}/mirror"));
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("PostgreSQL"), "{stderr}");
}
