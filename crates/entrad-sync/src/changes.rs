//! One delta page, read into what a store applies: objects to write, objects
//! removed (softly or for good), memberships added and removed.
//!
//! Items are read as the JSON text Graph sent: only `id`, `@removed` and
//! `members@delta` are looked at (borrowed from the page), and an object is
//! stored as its text, not rebuilt. Only a group carrying `members@delta`
//! (stored without it) and an id sent twice in one page (merged) are parsed
//! into a map and written again.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::kind::Kind;

const MEMBERS_DELTA: &str = "members@delta";

/// Why an object left the round, from `@removed.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// `changed`: soft-deleted, can come back; the row stays, marked `removed = 'changed'`.
    Changed,
    /// `deleted`: gone for good; the row goes.
    Deleted,
}

/// The changes of one page, each object once (a later entry of the same id
/// wins), borrowing from the page's text where it can.
#[derive(Debug, Default, PartialEq)]
pub struct Changes<'a> {
    /// New or changed objects: id and JSON text.
    pub upserts: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Removed objects.
    pub removals: Vec<(Cow<'a, str>, Removal)>,
    /// Memberships reported: group id, member id, member type (`user`, `group`, ...).
    pub members_added: Vec<(Cow<'a, str>, Cow<'a, str>, Cow<'a, str>)>,
    /// Memberships that ended: group id, member id.
    pub members_removed: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// What is read of an item; every other property is skipped.
#[derive(Deserialize)]
struct Item<'a> {
    // A `Cow` field (not in an `Option`) borrows from the text when it can;
    // missing, it is empty (refused).
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(rename = "@removed", default)]
    removed: Option<Removed<'a>>,
    #[serde(rename = "members@delta", borrow, default)]
    members: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Removed<'a> {
    #[serde(borrow, default)]
    reason: Cow<'a, str>,
}

/// A `members@delta` entry: `{"@odata.type":"#microsoft.graph.user","id":..}`,
/// or `{"id":..,"@removed":{..}}`.
#[derive(Deserialize)]
struct Member<'a> {
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(rename = "@odata.type", borrow, default)]
    odata_type: Cow<'a, str>,
    #[serde(rename = "@removed", default)]
    removed: Option<IgnoredAny>,
}

impl<'a> Changes<'a> {
    /// Items (JSON text) read in order; `members@delta` only for groups.
    pub fn read(kind: Kind, items: impl IntoIterator<Item = &'a str>) -> Result<Changes<'a>> {
        let items = items.into_iter();
        let mut objects: HashMap<Cow<'a, str>, usize> = HashMap::with_capacity(items.size_hint().0);
        let mut entries: Vec<(Cow<'a, str>, Entry<'a>)> = Vec::with_capacity(items.size_hint().0);
        let mut members = Memberships::new();
        for text in items {
            let item: Item<'a> = serde_json::from_str(text)
                .map_err(|e| Error::Page(format!("an item is not a delta object: {e}")))?;
            let id = item.id;
            if id.is_empty() {
                return Err(Error::Page("an item has no string `id`".to_owned()));
            }
            let mut entry = match item.removed {
                Some(removed) => Entry::Removed(removal(&removed.reason)),
                None => Entry::Text(text),
            };
            if kind == Kind::Groups
                && let Some(delta) = item.members
            {
                read_members(id.clone(), delta, &mut members)?;
                if let Entry::Text(text) = entry {
                    let mut object = object(text)?;
                    object.remove(MEMBERS_DELTA);
                    entry = Entry::Object(object);
                }
            }
            match objects.get(&id) {
                Some(&at) => merge(&mut entries[at].1, entry)?,
                None => {
                    objects.insert(id.clone(), entries.len());
                    entries.push((id, entry));
                }
            }
        }
        let mut changes = Changes::default();
        for (id, entry) in entries {
            match entry {
                Entry::Text(text) => changes.upserts.push((id, Cow::Borrowed(text))),
                Entry::Object(object) => {
                    let text = Value::Object(object).to_string();
                    changes.upserts.push((id, Cow::Owned(text)));
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

/// A page's `members@delta`: (group, member) to the member's type, `None` when it left.
type Memberships<'a> = HashMap<(Cow<'a, str>, Cow<'a, str>), Option<Cow<'a, str>>>;

enum Entry<'a> {
    /// An object as Graph sent it.
    Text(&'a str),
    /// An object rebuilt (merged, or without `members@delta`).
    Object(Map<String, Value>),
    Removed(Removal),
}

/// An item's text as a map (it was read as an object already).
fn object(text: &str) -> Result<Map<String, Value>> {
    serde_json::from_str(text)
        .map_err(|e| Error::Page(format!("an item is not a JSON object: {e}")))
}

/// A second entry for an id in one page: properties merge, a removal replaces.
fn merge<'a>(first: &mut Entry<'a>, second: Entry<'a>) -> Result<()> {
    let second = match second {
        Entry::Text(text) => object(text)?,
        Entry::Object(object) => object,
        removed @ Entry::Removed(_) => {
            *first = removed;
            return Ok(());
        }
    };
    match first {
        Entry::Object(first) => first.extend(second),
        Entry::Text(text) => {
            let mut merged = object(text)?;
            merged.extend(second);
            *first = Entry::Object(merged);
        }
        Entry::Removed(_) => *first = Entry::Object(second),
    }
    Ok(())
}

/// `deleted` is final; `changed` (and any reason Graph may add) keeps the row.
fn removal(reason: &str) -> Removal {
    match reason {
        "deleted" => Removal::Deleted,
        _ => Removal::Changed,
    }
}

/// `members@delta`: `[{"@odata.type":"#microsoft.graph.user","id":..}, {"id":..,"@removed":{..}}]`.
fn read_members<'a>(
    group: Cow<'a, str>,
    delta: &'a RawValue,
    members: &mut Memberships<'a>,
) -> Result<()> {
    let list: Vec<Member<'a>> = serde_json::from_str(delta.get()).map_err(|e| {
        Error::Page(format!(
            "group {group}: members@delta is not a list of members: {e}"
        ))
    })?;
    for member in list {
        let id = member.id;
        if id.is_empty() {
            return Err(Error::Page(format!(
                "group {group}: a members@delta entry has no string `id`"
            )));
        }
        let key = (group.clone(), id);
        if member.removed.is_some() {
            members.insert(key, None);
        } else {
            let kind = match member.odata_type {
                Cow::Borrowed(t) => Cow::Borrowed(t.trim_start_matches("#microsoft.graph.")),
                Cow::Owned(t) => Cow::Owned(t.trim_start_matches("#microsoft.graph.").to_owned()),
            };
            members.insert(key, Some(kind));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn texts(items: &[Value]) -> Vec<String> {
        items.iter().map(Value::to_string).collect()
    }

    fn read(kind: Kind, texts: &[String]) -> Result<Changes<'_>> {
        Changes::read(kind, texts.iter().map(String::as_str))
    }

    #[test]
    fn keeps_soft_and_hard_removals_apart_and_each_id_once() {
        let page = texts(&[
            json!({"id":"a","displayName":"A"}),
            json!({"id":"b","@removed":{"reason":"changed"}}),
            json!({"id":"c","@removed":{"reason":"deleted"}}),
            json!({"id":"a","mail":"a@x"}),
        ]);
        let changes = read(Kind::Users, &page).unwrap();
        assert_eq!(
            changes.upserts,
            [(
                Cow::from("a"),
                Cow::from(r#"{"displayName":"A","id":"a","mail":"a@x"}"#)
            )]
        );
        assert_eq!(
            changes.removals,
            [
                (Cow::from("b"), Removal::Changed),
                (Cow::from("c"), Removal::Deleted)
            ]
        );
    }

    #[test]
    fn an_object_is_stored_as_the_text_graph_sent() {
        // Not sorted, spaces, a number with its own spelling: a rebuilt
        // `Value` would change all three.
        let text = r#"{"id":"u1", "displayName":"Z\u00e9","accountEnabled":true,"n":1.0e2}"#;
        let changes = Changes::read(Kind::Users, [text]).unwrap();
        assert!(matches!(changes.upserts[0].1, Cow::Borrowed(t) if t == text));
        assert!(matches!(changes.upserts[0].0, Cow::Borrowed("u1")));
    }

    #[test]
    fn reads_members_delta_of_groups_only() {
        let group = json!({"id":"g","displayName":"G","members@delta":[
            {"@odata.type":"#microsoft.graph.user","id":"u1"},
            {"@odata.type":"#microsoft.graph.user","id":"u2","@removed":{"reason":"deleted"}}]});
        let page = texts(&[group]);
        let changes = read(Kind::Groups, &page).unwrap();
        assert_eq!(
            changes.members_added,
            [(Cow::from("g"), Cow::from("u1"), Cow::from("user"))]
        );
        assert_eq!(changes.members_removed, [(Cow::from("g"), Cow::from("u2"))]);
        assert!(!changes.upserts[0].1.contains("members@delta"));
        let as_user = read(Kind::Users, &page).unwrap();
        assert!(as_user.members_added.is_empty());
    }

    #[test]
    fn refuses_items_without_an_id() {
        assert!(read(Kind::Users, &texts(&[json!({"displayName":"x"})])).is_err());
        assert!(read(Kind::Users, &texts(&[json!({"id":""})])).is_err());
        assert!(read(Kind::Users, &texts(&[json!("x")])).is_err());
        let bad = texts(&[json!({"id":"g","members@delta":{"id":"u"}})]);
        assert!(read(Kind::Groups, &bad).is_err());
        let no_member_id = texts(&[json!({"id":"g","members@delta":[{"x":"u"}]})]);
        assert!(read(Kind::Groups, &no_member_id).is_err());
    }
}
