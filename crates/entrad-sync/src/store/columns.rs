//! A table's property columns (`--select`), in both databases plain columns
//! that each write fills: a generated column would read the stored object
//! once more per row (SQLite's `json_extract` on every insert, even for a
//! VIRTUAL one; PostgreSQL's `->>` on a `json` text), while the values come
//! from the parse that reads the item anyway
//! ([`Upsert::columns`](crate::Upsert::columns)).

use crate::selection::RESERVED;

/// The property columns of a table, for one run's selection.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    /// The selection's, in its order: their values come with each upsert.
    pub(crate) selected: Vec<String>,
    /// Left from an earlier selection: still kept equal to `data`, by the
    /// database.
    pub(crate) others: Vec<String>,
}

impl Columns {
    /// The columns for `selected`, of a table that has the columns
    /// `existing` (its own ones among them are skipped); `same` says whether
    /// two column names name the same column in the database.
    pub(crate) fn new(
        existing: impl IntoIterator<Item = String>,
        selected: &[&str],
        same: impl Fn(&str, &str) -> bool,
    ) -> Columns {
        let others = existing
            .into_iter()
            .filter(|c| !RESERVED.iter().any(|r| same(r, c)))
            .filter(|c| !selected.iter().any(|s| same(s, c)))
            .collect();
        Columns {
            selected: selected.iter().map(|c| (*c).to_owned()).collect(),
            others,
        }
    }
}
