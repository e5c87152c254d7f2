//! Groups in the directory: the generated ones, and the changes made through the
//! admin API (recorded in the journal, as user changes are).

use uuid::Uuid;

use super::change_error::ChangeError;
use super::directory::Directory;
use super::group::Group;
use super::persist::JournalEntry;

fn group_id(key: &str) -> Result<Uuid, ChangeError> {
    Uuid::parse_str(key).map_err(|_| ChangeError::NotFound)
}

impl Directory {
    /// Adds a group (a fresh id when it has none) with these members.
    pub(crate) fn add_group(
        &mut self,
        mut group: Group,
        members: &[String],
    ) -> Result<Group, ChangeError> {
        if group.id.is_nil() {
            group.id = Uuid::new_v4();
        }
        group.validate().map_err(ChangeError::Invalid)?;
        if self.groups.get(group.id).is_some() {
            return Err(ChangeError::Invalid(format!(
                "Another object with the same value for property id already exists: {}.",
                group.id
            )));
        }
        let members = self.member_ids(members)?;
        let id = group.id;
        group.members.clear();
        group.member_log.clear();
        let seq = self.groups.seq() + 1;
        self.record(JournalEntry::GroupUpsert { seq, group });
        for member in members {
            self.set_member(id, member, true)?;
        }
        self.groups.get(id).cloned().ok_or(ChangeError::NotFound)
    }

    /// Changes the given properties (Graph names) of a group.
    pub(crate) fn patch_group(
        &mut self,
        key: &str,
        patch: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Group, ChangeError> {
        let id = group_id(key)?;
        let current = self.groups.get(id).ok_or(ChangeError::NotFound)?;
        let mut value =
            serde_json::to_value(current).map_err(|e| ChangeError::Invalid(e.to_string()))?;
        let serde_json::Value::Object(fields) = &mut value else {
            return Err(ChangeError::Invalid("a group is a JSON object".into()));
        };
        for (name, new) in patch {
            if name == "id" {
                return Err(ChangeError::Invalid("Property 'id' is read-only.".into()));
            }
            if !fields.contains_key(&name) {
                return Err(ChangeError::Invalid(format!(
                    "Invalid property '{name}' for type 'microsoft.graph.group'."
                )));
            }
            fields.insert(name, new);
        }
        let mut group: Group =
            serde_json::from_value(value).map_err(|e| ChangeError::Invalid(e.to_string()))?;
        group.id = id;
        group.validate().map_err(ChangeError::Invalid)?;
        let seq = self.groups.seq() + 1;
        self.record(JournalEntry::GroupUpsert { seq, group });
        self.groups.get(id).cloned().ok_or(ChangeError::NotFound)
    }

    /// Removes a group; `permanent` reports it as `deleted` in delta.
    pub(crate) fn remove_group(&mut self, key: &str, permanent: bool) -> Result<Uuid, ChangeError> {
        let id = group_id(key)?;
        if self.groups.get(id).is_none() {
            return Err(ChangeError::NotFound);
        }
        let seq = self.groups.seq() + 1;
        self.record(JournalEntry::GroupRemove { seq, id, permanent });
        Ok(id)
    }

    /// Adds (or removes) a user, by id or UPN, to a group; false when it already
    /// was (or was not) a member.
    pub(crate) fn change_member(
        &mut self,
        group: &str,
        member: &str,
        added: bool,
    ) -> Result<bool, ChangeError> {
        let group = group_id(group)?;
        if self.groups.get(group).is_none() {
            return Err(ChangeError::NotFound);
        }
        let member = self.member_ids(&[member.to_owned()])?[0];
        self.set_member(group, member, added)
    }

    /// The ids of existing users given by id or UPN.
    fn member_ids(&self, keys: &[String]) -> Result<Vec<Uuid>, ChangeError> {
        keys.iter()
            .map(|key| {
                self.users.find(key).map(|u| u.id).ok_or_else(|| {
                    ChangeError::Invalid(format!(
                        "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
                    ))
                })
            })
            .collect()
    }

    fn set_member(&mut self, group: Uuid, member: Uuid, added: bool) -> Result<bool, ChangeError> {
        let is_member = self
            .groups
            .get(group)
            .ok_or(ChangeError::NotFound)?
            .members
            .binary_search(&member)
            .is_ok();
        if is_member == added {
            return Ok(false);
        }
        let seq = self.groups.seq() + 1;
        self.record(JournalEntry::Member {
            seq,
            group,
            member,
            added,
        });
        Ok(true)
    }
}
