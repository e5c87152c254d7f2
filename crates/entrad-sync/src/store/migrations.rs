//! The schema, as numbered SQL files kept in `migrations/`, applied in order once.

/// `(version, SQL)` for SQLite.
pub(crate) const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_mirror.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_memberships_clustered.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_round_ended.sql"),
    ),
];

/// `(version, SQL)` for PostgreSQL.
pub(crate) const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_mirror.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_round_ended.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_expect_cursor.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_json_data_byte_keys.sql"),
    ),
];

/// The PostgreSQL schema every migration above builds, for a new database
/// (one batch; see the file).
pub(crate) const POSTGRES_SCHEMA: &str = include_str!("../../migrations/postgres/schema.sql");

/// The table recording applied versions (same SQL in both databases).
pub(crate) const VERSIONS_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)";
