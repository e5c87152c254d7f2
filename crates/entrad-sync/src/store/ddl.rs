//! The schema changes made at run time, outside the numbered migrations
//! (`migrations.rs`): a column per selected property, added when first asked
//! for, and SQLite's index of memberships by member, built when a round of
//! groups ends. `table` is one of the tables' constant names and `column` a
//! checked property name (letters, digits, `_`): both safe in SQL text.

/// SQLite: the columns of `table` with their `hidden` flag (2 or 3: generated).
pub(crate) fn sqlite_columns(table: &str) -> String {
    format!("SELECT name, hidden FROM pragma_table_xinfo('{table}')")
}

/// SQLite: drops a column (a generated one, as mirrors made before 0.1 had).
pub(crate) fn sqlite_drop_column(table: &str, column: &str) -> String {
    format!("ALTER TABLE {table} DROP COLUMN \"{column}\"")
}

/// SQLite: a plain column for a property, then filled from each row's `data`.
/// Later writes fill it themselves (see `SqliteStore`'s `Columns`).
pub(crate) fn sqlite_add_column(table: &str, column: &str) -> [String; 2] {
    [
        format!("ALTER TABLE {table} ADD COLUMN \"{column}\""),
        format!("UPDATE {table} SET \"{column}\" = json_extract(data, '$.{column}')"),
    ]
}

/// SQLite: the index of memberships by member, built once the members of a
/// round of groups are in (see migration 0002), then kept up to date.
pub(crate) const SQLITE_MEMBER_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS memberships_member ON memberships (tenant, member_id)";

/// PostgreSQL: a plain column for a property, then filled from each row's
/// `data`. Later writes fill it themselves (see `PostgresStore`'s `Columns`).
pub(crate) fn postgres_add_column(table: &str, column: &str) -> [String; 2] {
    [
        format!("ALTER TABLE {table} ADD COLUMN \"{column}\" TEXT"),
        format!("UPDATE {table} SET \"{column}\" = data->>'{column}'"),
    ]
}

/// PostgreSQL: the index of memberships by member, built when a round of
/// groups first ends in a database made from `schema.sql` (mirrors made
/// by migration 0001 have it), then kept up to date.
pub(crate) const POSTGRES_MEMBER_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS memberships_member ON memberships (tenant, member_id)";
