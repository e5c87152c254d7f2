//! `--select`: the properties asked for (`$select`) and the columns they get.

use crate::error::{Error, Result};
use crate::kind::Kind;

/// Columns every table has: a property of that name stays in the JSON only.
pub(crate) const RESERVED: [&str; 5] = ["tenant", "id", "data", "removed", "seen_round"];

/// Columns when no properties are selected (Graph then sends its default set).
const DEFAULT_COLUMNS: [(Kind, &[&str]); 2] = [
    (Kind::Users, &["displayName", "userPrincipalName", "mail"]),
    (Kind::Groups, &["displayName", "mailNickname"]),
];

/// The properties to request and store as columns; the full object is kept as JSON too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    props: Vec<String>,
}

impl Selection {
    /// Checks `props` (Graph property names: a letter, then letters, digits or `_`).
    pub fn new<S: AsRef<str>>(props: &[S]) -> Result<Selection> {
        let mut kept: Vec<String> = Vec::new();
        for prop in props {
            let prop = prop.as_ref().trim();
            if !is_property_name(prop) {
                return Err(Error::Config(format!(
                    "`{prop}` is not a property name: use Graph's names, e.g. id,displayName,mail"
                )));
            }
            if !kept.iter().any(|k| k.eq_ignore_ascii_case(prop)) {
                kept.push(prop.to_owned());
            }
        }
        Ok(Selection { props: kept })
    }

    /// The `$select` value for `kind` (`None`: Graph's default properties).
    /// Groups also ask for `members`, which brings `members@delta`.
    pub(crate) fn query(&self, kind: Kind) -> Option<String> {
        if self.props.is_empty() {
            return None;
        }
        let mut props = self.props.clone();
        if kind == Kind::Groups && !props.iter().any(|p| p == "members") {
            props.push("members".to_owned());
        }
        if !props.iter().any(|p| p == "id") {
            props.insert(0, "id".to_owned());
        }
        Some(props.join(","))
    }

    /// The first request of a round: the delta path with its `$select`.
    pub(crate) fn first_link(&self, kind: Kind) -> String {
        match self.query(kind) {
            Some(select) => format!("{}?$select={select}", kind.delta_path()),
            None => kind.delta_path().to_owned(),
        }
    }

    /// What the stored state remembers, to start a new round when it changes.
    pub(crate) fn fingerprint(&self, kind: Kind) -> String {
        self.query(kind).unwrap_or_default()
    }

    /// The extra columns of `kind`'s table: checked names, safe to quote in SQL.
    pub(crate) fn columns(&self, kind: Kind) -> Vec<&str> {
        let props: Vec<&str> = if self.props.is_empty() {
            DEFAULT_COLUMNS
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, cols)| cols.to_vec())
                .unwrap_or_default()
        } else {
            self.props.iter().map(String::as_str).collect()
        };
        props
            .into_iter()
            .filter(|p| *p != "members" && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(p)))
            .collect()
    }
}

pub(crate) fn is_property_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.len() <= 63
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_could_break_out_of_a_quoted_column() {
        for bad in ["", "a\"b", "mail;drop", "1st", "a b", "a'b"] {
            assert!(Selection::new(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn asks_for_id_and_members_and_keeps_reserved_names_out_of_columns() {
        let s = Selection::new(&["displayName", "data", "mail"]).unwrap();
        assert_eq!(s.query(Kind::Users).unwrap(), "id,displayName,data,mail");
        assert_eq!(
            s.query(Kind::Groups).unwrap(),
            "id,displayName,data,mail,members"
        );
        assert_eq!(s.columns(Kind::Users), ["displayName", "mail"]);
        assert_eq!(
            s.first_link(Kind::Users),
            "v1.0/users/delta?$select=id,displayName,data,mail"
        );
        let none = Selection::default();
        assert_eq!(none.first_link(Kind::Groups), "v1.0/groups/delta");
        assert_eq!(none.columns(Kind::Users).len(), 3);
    }
}
