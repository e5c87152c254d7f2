//! A table's property columns (`--select`), in both databases plain columns
//! that each write fills: a generated column would read the stored object
//! once more per row (SQLite's `json_extract` on every insert, even for a
//! VIRTUAL one; PostgreSQL's `->>` on a `json` text), while the values come
//! from the parse that reads the item anyway
//! ([`Upsert::columns`](crate::Upsert::columns)).

use crate::selection::{RESERVED, is_property_name};

/// The property columns of a table, for one run's selection.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    /// The selection's, in its order: their values come with each upsert.
    pub(crate) selected: Vec<String>,
    /// Left from an earlier selection: still kept equal to `data`, by the
    /// database. A column not named as a property could be (a person's own,
    /// `"my notes"`) is not one: it is left alone, and never put in SQL text.
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
            .filter(|c| is_property_name(c) && !RESERVED.iter().any(|r| same(r, c)))
            .filter(|c| !selected.iter().any(|s| same(s, c)))
            .collect();
        Columns {
            selected: selected.iter().map(|c| (*c).to_owned()).collect(),
            others,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_are_the_earlier_selections_property_columns() {
        let existing = [
            "tenant",
            "id",
            "data",
            "removed",
            "seen_round",
            "displayName",
            "MAIL",
            "my notes",
            "x'y",
        ];
        let columns = Columns::new(
            existing.map(str::to_owned),
            &["mail"],
            |a: &str, b: &str| a.eq_ignore_ascii_case(b),
        );
        assert_eq!(columns.selected, ["mail"]);
        assert_eq!(columns.others, ["displayName"]);
    }
}
