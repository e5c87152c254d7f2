//! One delta page, read into what a store applies: objects to write, objects
//! removed (softly or for good), memberships added and removed.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::kind::Kind;

const REMOVED: &str = "@removed";
const MEMBERS_DELTA: &str = "members@delta";

/// Why an object left the round, from `@removed.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// `changed`: soft-deleted, can come back; the row stays, marked `removed = 'changed'`.
    Changed,
    /// `deleted`: gone for good; the row goes.
    Deleted,
}

/// The changes of one page, each object once (a later entry of the same id wins).
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    /// New or changed objects: id and JSON text.
    pub upserts: Vec<(String, String)>,
    /// Removed objects.
    pub removals: Vec<(String, Removal)>,
    /// Memberships reported: group id, member id, member type (`user`, `group`, ...).
    pub members_added: Vec<(String, String, String)>,
    /// Memberships that ended: group id, member id.
    pub members_removed: Vec<(String, String)>,
}

impl Changes {
    /// Items read in order; `members@delta` only for groups.
    pub fn read(kind: Kind, items: Vec<Value>) -> Result<Changes> {
        let mut objects: HashMap<String, usize> = HashMap::with_capacity(items.len());
        let mut entries: Vec<(String, Entry)> = Vec::with_capacity(items.len());
        let mut members: HashMap<(String, String), Option<String>> = HashMap::new();
        for item in items {
            let Value::Object(mut object) = item else {
                return Err(Error::Page("an item is not a JSON object".to_owned()));
            };
            let id = match object.get("id") {
                Some(Value::String(id)) if !id.is_empty() => id.clone(),
                _ => return Err(Error::Page("an item has no string `id`".to_owned())),
            };
            if kind == Kind::Groups
                && let Some(delta) = object.remove(MEMBERS_DELTA)
            {
                read_members(&id, delta, &mut members)?;
            }
            let entry = match object.get(REMOVED) {
                Some(removed) => Entry::Removed(removal(removed)),
                None => Entry::Object(object),
            };
            match objects.get(&id) {
                Some(&at) => merge(&mut entries[at].1, entry),
                None => {
                    objects.insert(id.clone(), entries.len());
                    entries.push((id, entry));
                }
            }
        }
        let mut changes = Changes::default();
        for (id, entry) in entries {
            match entry {
                Entry::Object(object) => {
                    let text = Value::Object(object).to_string();
                    changes.upserts.push((id, text));
                }
                Entry::Removed(removal) => changes.removals.push((id, removal)),
            }
        }
        for ((group, member), added) in members {
            match added {
                Some(member_type) => changes.members_added.push((group, member, member_type)),
                None => changes.members_removed.push((group, member)),
            }
        }
        Ok(changes)
    }

    /// Objects and memberships in the page.
    pub fn len(&self) -> usize {
        self.upserts.len()
            + self.removals.len()
            + self.members_added.len()
            + self.members_removed.len()
    }

    /// True when the page changes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

enum Entry {
    Object(Map<String, Value>),
    Removed(Removal),
}

/// A second entry for an id in one page: properties merge, a removal replaces.
fn merge(first: &mut Entry, second: Entry) {
    match (first, second) {
        (Entry::Object(first), Entry::Object(second)) => first.extend(second),
        (first, second) => *first = second,
    }
}

/// `deleted` is final; `changed` (and any reason Graph may add) keeps the row.
fn removal(removed: &Value) -> Removal {
    match removed.get("reason").and_then(Value::as_str) {
        Some("deleted") => Removal::Deleted,
        _ => Removal::Changed,
    }
}

/// `members@delta`: `[{"@odata.type":"#microsoft.graph.user","id":..}, {"id":..,"@removed":{..}}]`.
fn read_members(
    group: &str,
    delta: Value,
    members: &mut HashMap<(String, String), Option<String>>,
) -> Result<()> {
    let Value::Array(list) = delta else {
        return Err(Error::Page(format!(
            "group {group}: members@delta is not a list"
        )));
    };
    for member in list {
        let Some(id) = member.get("id").and_then(Value::as_str) else {
            return Err(Error::Page(format!(
                "group {group}: a members@delta entry has no string `id`"
            )));
        };
        let key = (group.to_owned(), id.to_owned());
        if member.get(REMOVED).is_some() {
            members.insert(key, None);
        } else {
            let kind = member
                .get("@odata.type")
                .and_then(Value::as_str)
                .map(|t| t.trim_start_matches("#microsoft.graph.").to_owned())
                .unwrap_or_default();
            members.insert(key, Some(kind));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_soft_and_hard_removals_apart_and_each_id_once() {
        let page = vec![
            json!({"id":"a","displayName":"A"}),
            json!({"id":"b","@removed":{"reason":"changed"}}),
            json!({"id":"c","@removed":{"reason":"deleted"}}),
            json!({"id":"a","mail":"a@x"}),
        ];
        let changes = Changes::read(Kind::Users, page).unwrap();
        assert_eq!(
            changes.upserts,
            [(
                "a".to_owned(),
                r#"{"displayName":"A","id":"a","mail":"a@x"}"#.to_owned()
            )]
        );
        assert_eq!(
            changes.removals,
            [
                ("b".to_owned(), Removal::Changed),
                ("c".to_owned(), Removal::Deleted)
            ]
        );
    }

    #[test]
    fn reads_members_delta_of_groups_only() {
        let group = json!({"id":"g","displayName":"G","members@delta":[
            {"@odata.type":"#microsoft.graph.user","id":"u1"},
            {"@odata.type":"#microsoft.graph.user","id":"u2","@removed":{"reason":"deleted"}}]});
        let changes = Changes::read(Kind::Groups, vec![group.clone()]).unwrap();
        assert_eq!(
            changes.members_added,
            [("g".to_owned(), "u1".to_owned(), "user".to_owned())]
        );
        assert_eq!(changes.members_removed, [("g".to_owned(), "u2".to_owned())]);
        assert!(!changes.upserts[0].1.contains("members@delta"));
        let as_user = Changes::read(Kind::Users, vec![group]).unwrap();
        assert!(as_user.members_added.is_empty());
    }

    #[test]
    fn refuses_items_without_an_id() {
        assert!(Changes::read(Kind::Users, vec![json!({"displayName":"x"})]).is_err());
        assert!(Changes::read(Kind::Users, vec![json!("x")]).is_err());
        let bad = json!({"id":"g","members@delta":{"id":"u"}});
        assert!(Changes::read(Kind::Groups, vec![bad]).is_err());
    }
}
