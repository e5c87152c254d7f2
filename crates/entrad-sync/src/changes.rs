//! One delta page, read into what a store applies: objects to write, objects
//! removed (softly or for good), memberships added and removed.
//!
//! Items are read as the JSON text Graph sent: only `id`, `@removed`,
//! `members@delta` and the properties stored in columns are looked at
//! (borrowed from the page), and an object is stored as its text, not rebuilt.
//! Only a group carrying `members@delta` (stored without it) and an id sent
//! twice in one page (merged) are parsed into a map and written again.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::kind::Kind;

const MEMBERS_DELTA: &str = "members@delta";
/// What `@odata.type` starts with; the member type is the rest (`user`, `group`, ...).
const TYPE_PREFIX: &str = "#microsoft.graph.";

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
    /// New or changed objects.
    pub upserts: Vec<Upsert<'a>>,
    /// Removed objects.
    pub removals: Vec<(Cow<'a, str>, Removal)>,
    /// Memberships reported: group id, member id, member type (`user`, `group`, ...).
    pub members_added: Vec<(Cow<'a, str>, Cow<'a, str>, Cow<'a, str>)>,
    /// Memberships that ended: group id, member id.
    pub members_removed: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// A new or changed object.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert<'a> {
    /// Its `id`.
    pub id: Cow<'a, str>,
    /// Its JSON text.
    pub text: Cow<'a, str>,
    /// The values of the columns [`Changes::read`] was given, in that order.
    pub columns: Vec<ColumnValue<'a>>,
}

/// A property's value in its own column: strings unescaped, objects and
/// lists as their JSON text, missing or `null` as NULL. Each store writes it
/// as its own JSON reader would give it: SQLite's `json_extract` (booleans as
/// 1 or 0), PostgreSQL's `->>` (text: booleans `true` or `false`).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue<'a> {
    /// Missing, or `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// Any other number.
    Real(f64),
    /// A string (unescaped), or an object or list (its JSON text).
    Text(Cow<'a, str>),
}

/// What is read of an item; every other property is skipped.
struct Item<'a> {
    /// Missing, it is empty (refused).
    id: Cow<'a, str>,
    removed: Option<Removed<'a>>,
    members: Option<&'a RawValue>,
    /// The columns' values, in the order asked for (`None`: missing).
    columns: Vec<Option<&'a RawValue>>,
}

/// Reads an [`Item`], keeping the properties named `columns`.
struct ItemSeed<'c> {
    columns: &'c [&'c str],
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = Item<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Item<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = Item<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Item<'de>, A::Error> {
        let mut item = Item {
            id: Cow::Borrowed(""),
            removed: None,
            members: None,
            columns: vec![None; self.columns.len()],
        };
        while let Some(Text(key)) = map.next_key()? {
            match key.as_ref() {
                "id" => item.id = map.next_value::<Text<'de>>()?.0,
                "@removed" => item.removed = Some(map.next_value()?),
                MEMBERS_DELTA => item.members = Some(map.next_value()?),
                other => match self.columns.iter().position(|c| *c == other) {
                    Some(at) => item.columns[at] = Some(map.next_value()?),
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        Ok(item)
    }
}

/// A string borrowed from the page when it has no escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

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
    /// Items (JSON text) read in order; `members@delta` only for groups;
    /// each upsert with the values of `columns` (property names).
    pub fn read(
        kind: Kind,
        columns: &[&str],
        items: impl IntoIterator<Item = &'a str>,
    ) -> Result<Changes<'a>> {
        let items = items.into_iter();
        let mut objects: HashMap<Cow<'a, str>, usize> = HashMap::with_capacity(items.size_hint().0);
        let mut entries: Vec<(Cow<'a, str>, Entry<'a>)> = Vec::with_capacity(items.size_hint().0);
        let mut members = Memberships::new();
        for text in items {
            let item = read_item(text, columns)?;
            let id = item.id;
            if id.is_empty() {
                return Err(Error::Page("an item has no string `id`".to_owned()));
            }
            let mut entry = match item.removed {
                Some(removed) => Entry::Removed(removal(&removed.reason)),
                None => Entry::Text(Cow::Borrowed(text), item.columns),
            };
            if kind == Kind::Groups
                && let Some(delta) = item.members
            {
                read_members(id.clone(), delta, &mut members)?;
                if let Entry::Text(text, columns) = entry {
                    entry = match without_members(&text, delta) {
                        Some(cut) => Entry::Text(Cow::Owned(cut), columns),
                        None => {
                            let mut object = object(&text)?;
                            object.remove(MEMBERS_DELTA);
                            Entry::Object(object)
                        }
                    };
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
                Entry::Text(text, raw) => changes.upserts.push(Upsert {
                    id,
                    text,
                    columns: raw.into_iter().map(column_value).collect::<Result<_>>()?,
                }),
                Entry::Object(object) => {
                    let text = Value::Object(object).to_string();
                    let columns = read_item(&text, columns)?
                        .columns
                        .into_iter()
                        .map(|raw| column_value(raw).map(ColumnValue::into_owned))
                        .collect::<Result<_>>()?;
                    changes.upserts.push(Upsert {
                        id,
                        text: Cow::Owned(text),
                        columns,
                    });
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
    /// An object as Graph sent it (a group without its `members@delta`),
    /// and its columns.
    Text(Cow<'a, str>, Vec<Option<&'a RawValue>>),
    /// An object rebuilt (merged, or without `members@delta`).
    Object(Map<String, Value>),
    Removed(Removal),
}

/// An item's `id`, `@removed`, `members@delta` and `columns`.
fn read_item<'a>(text: &'a str, columns: &[&str]) -> Result<Item<'a>> {
    ItemSeed { columns }
        .deserialize(&mut serde_json::Deserializer::from_str(text))
        .map_err(|e| Error::Page(format!("an item is not a delta object: {e}")))
}

/// A column's value from the property's JSON text (`None`: missing).
fn column_value(raw: Option<&RawValue>) -> Result<ColumnValue<'_>> {
    let Some(raw) = raw else {
        return Ok(ColumnValue::Null);
    };
    let text = raw.get();
    let bad = |e: serde_json::Error| Error::Page(format!("a property is not JSON: {e}"));
    Ok(match text.as_bytes().first() {
        Some(b'"') => ColumnValue::Text(serde_json::from_str::<Text<'_>>(text).map_err(bad)?.0),
        Some(b'{' | b'[') => ColumnValue::Text(Cow::Borrowed(text)),
        Some(b't') => ColumnValue::Bool(true),
        Some(b'f') => ColumnValue::Bool(false),
        Some(b'n') | None => ColumnValue::Null,
        Some(_) => {
            let number: serde_json::Number = serde_json::from_str(text).map_err(bad)?;
            match number.as_i64() {
                Some(n) => ColumnValue::Integer(n),
                None => ColumnValue::Real(number.as_f64().unwrap_or(f64::NAN)),
            }
        }
    })
}

impl ColumnValue<'_> {
    /// The same value, owning its text.
    pub fn into_owned(self) -> ColumnValue<'static> {
        match self {
            ColumnValue::Null => ColumnValue::Null,
            ColumnValue::Bool(b) => ColumnValue::Bool(b),
            ColumnValue::Integer(n) => ColumnValue::Integer(n),
            ColumnValue::Real(x) => ColumnValue::Real(x),
            ColumnValue::Text(text) => ColumnValue::Text(Cow::Owned(text.into_owned())),
        }
    }
}

/// A group's text without its `members@delta` property, cut out of the text
/// around `delta` (its value, borrowed from `text`): no map is built. `None`
/// when the text before the value is not the plain `"members@delta":` of a
/// first or later property (an escaped key): the caller then rebuilds the object.
fn without_members(text: &str, delta: &RawValue) -> Option<String> {
    let start = (delta.get().as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start + delta.get().len();
    let before = text.get(..start)?.trim_end().strip_suffix(':')?;
    let before = before
        .trim_end()
        .strip_suffix("\"members@delta\"")?
        .trim_end();
    let after = text.get(end..)?;
    if let Some(earlier) = before.strip_suffix(',') {
        return Some([earlier, after].concat());
    }
    if before.ends_with('{') {
        let after = after.trim_start();
        return Some([before, after.strip_prefix(',').unwrap_or(after)].concat());
    }
    None
}

/// An item's text as a map (it was read as an object already).
fn object(text: &str) -> Result<Map<String, Value>> {
    serde_json::from_str(text)
        .map_err(|e| Error::Page(format!("an item is not a JSON object: {e}")))
}

/// A second entry for an id in one page: properties merge, a removal replaces.
fn merge<'a>(first: &mut Entry<'a>, second: Entry<'a>) -> Result<()> {
    let second = match second {
        Entry::Text(text, _) => object(&text)?,
        Entry::Object(object) => object,
        removed @ Entry::Removed(_) => {
            *first = removed;
            return Ok(());
        }
    };
    match first {
        Entry::Object(first) => first.extend(second),
        Entry::Text(text, _) => {
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
                Cow::Borrowed(t) => Cow::Borrowed(t.strip_prefix(TYPE_PREFIX).unwrap_or(t)),
                Cow::Owned(t) => Cow::Owned(t.strip_prefix(TYPE_PREFIX).unwrap_or(&t).to_owned()),
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
        Changes::read(kind, &[], texts.iter().map(String::as_str))
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
            [Upsert {
                id: Cow::from("a"),
                text: Cow::from(r#"{"displayName":"A","id":"a","mail":"a@x"}"#),
                columns: vec![],
            }]
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
        let changes = Changes::read(Kind::Users, &[], [text]).unwrap();
        assert!(matches!(changes.upserts[0].text, Cow::Borrowed(t) if t == text));
        assert!(matches!(changes.upserts[0].id, Cow::Borrowed("u1")));
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
        assert!(!changes.upserts[0].text.contains("members@delta"));
        let as_user = read(Kind::Users, &page).unwrap();
        assert!(as_user.members_added.is_empty());
    }

    #[test]
    fn columns_are_read_typed_strings_unescaped() {
        let columns = [
            "s", "escaped", "yes", "no", "int", "real", "obj", "list", "null", "missing",
        ];
        let text = r#"{"id":"u","s":"plain","escaped":"Z\u00e9\"","yes":true,"no":false,"int":-42,"real":1.5e2,"obj":{"a":[1]},"list":[1,"x"],"null":null}"#;
        let changes = Changes::read(Kind::Users, &columns, [text]).unwrap();
        use ColumnValue::*;
        assert_eq!(
            changes.upserts[0].columns,
            [
                Text("plain".into()),
                Text("Z\u{e9}\"".into()),
                Bool(true),
                Bool(false),
                Integer(-42),
                Real(150.0),
                Text(r#"{"a":[1]}"#.into()),
                Text(r#"[1,"x"]"#.into()),
                Null,
                Null,
            ]
        );
        assert!(matches!(
            changes.upserts[0].columns[0],
            Text(Cow::Borrowed(_))
        ));
        // Merged and rebuilt objects get their columns from the merged object.
        let twice = [r#"{"id":"u","s":"old","int":1}"#, r#"{"id":"u","s":"new"}"#];
        let merged = Changes::read(Kind::Users, &["s", "int"], twice).unwrap();
        assert_eq!(merged.upserts[0].columns, [Text("new".into()), Integer(1)]);
        let group = r##"{"id":"g","s":"G","members@delta":[{"@odata.type":"#microsoft.graph.user","id":"u"}]}"##;
        let group = Changes::read(Kind::Groups, &["s"], [group]).unwrap();
        assert_eq!(group.upserts[0].columns, [Text("G".into())]);
    }

    #[test]
    fn a_groups_members_delta_is_cut_out_of_its_text() {
        let cases = [
            (
                r#"{"id":"g","members@delta":[{"id":"u"}],"displayName":"G"}"#,
                r#"{"id":"g","displayName":"G"}"#,
            ),
            (
                r#"{"members@delta":[{"id":"u"}], "id":"g"}"#,
                r#"{ "id":"g"}"#,
            ),
            (
                r#"{ "id" : "g" , "members@delta" : [ {"id":"u"} ] }"#,
                r#"{ "id" : "g"  }"#,
            ),
            (r#"{"members@delta":[],"id":"g"}"#, r#"{"id":"g"}"#),
        ];
        for (text, cut) in cases {
            let changes = Changes::read(Kind::Groups, &[], [text]).unwrap();
            assert_eq!(changes.upserts[0].text, cut, "{text}");
            serde_json::from_str::<Value>(&changes.upserts[0].text).unwrap();
        }
        // An escaped key is the same property: rebuilt without it.
        let escaped = r#"{"id":"g","members\u0040delta":[{"id":"u"}]}"#;
        let changes = Changes::read(Kind::Groups, &[], [escaped]).unwrap();
        assert_eq!(changes.upserts[0].text, r#"{"id":"g"}"#);
        assert_eq!(changes.members_added.len(), 1);
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
