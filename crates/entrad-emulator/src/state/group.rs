//! A directory group: its properties, its members (users, by id) and the log of
//! member changes that group delta queries report as `members@delta`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store::{Entry, Store};

/// One member added to or removed from a group, as change number `seq`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MemberChange {
    pub(crate) seq: u64,
    pub(crate) member: Uuid,
    pub(crate) added: bool,
}

/// One group, with the properties Graph returns by default that the emulator keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Group {
    /// Nil when absent from the input: the caller picks an id.
    #[serde(default)]
    pub(crate) id: Uuid,
    pub(crate) display_name: Box<str>,
    #[serde(default)]
    pub(crate) description: Option<Box<str>>,
    #[serde(default)]
    pub(crate) mail_nickname: Option<Box<str>>,
    #[serde(default)]
    pub(crate) mail: Option<Box<str>>,
    #[serde(default)]
    pub(crate) mail_enabled: bool,
    #[serde(default = "enabled")]
    pub(crate) security_enabled: bool,
    #[serde(default)]
    pub(crate) group_types: Vec<Box<str>>,
    #[serde(default)]
    pub(crate) visibility: Option<Box<str>>,
    /// Member user ids, sorted.
    #[serde(skip)]
    pub(crate) members: Vec<Uuid>,
    /// Member changes after the initial state, in order.
    #[serde(skip)]
    pub(crate) member_log: Vec<MemberChange>,
    /// The change sequence number of the last change, members included.
    #[serde(skip)]
    pub(crate) changed: u64,
}

fn enabled() -> bool {
    true
}

impl Group {
    /// Checks what Graph itself would refuse.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.display_name.trim().is_empty() {
            return Err("Property displayName is required and must not be empty.".into());
        }
        Ok(())
    }

    /// Adds (or removes) `member` as change `seq`; false when nothing changes.
    fn set_member(&mut self, member: Uuid, added: bool, seq: u64) -> bool {
        let position = self.members.binary_search(&member);
        match (position, added) {
            (Err(i), true) => self.members.insert(i, member),
            (Ok(i), false) => {
                self.members.remove(i);
            }
            _ => return false,
        }
        self.member_log.push(MemberChange { seq, member, added });
        self.changed = seq;
        true
    }

    /// The last change of each member after `since`, in member order.
    pub(crate) fn member_changes_since(&self, since: u64) -> Vec<MemberChange> {
        let start = self.member_log.partition_point(|c| c.seq <= since);
        let mut changes: Vec<MemberChange> = Vec::new();
        for change in self.member_log[start..].iter().rev() {
            if !changes.iter().any(|c| c.member == change.member) {
                changes.push(*change);
            }
        }
        changes.sort_unstable_by_key(|c| c.member);
        changes
    }
}

impl Entry for Group {
    fn id(&self) -> Uuid {
        self.id
    }
    fn changed(&self) -> u64 {
        self.changed
    }
    fn set_changed(&mut self, seq: u64) {
        self.changed = seq;
    }
    fn carry_over(&mut self, old: &mut Self) {
        self.members = std::mem::take(&mut old.members);
        self.member_log = std::mem::take(&mut old.member_log);
    }
}

/// The groups, sorted by id.
pub(crate) type GroupStore = Store<Group>;

impl Store<Group> {
    /// Adds or removes one member of a group as change `seq`; false when the group
    /// does not exist or nothing changes.
    pub(crate) fn set_member_at(
        &mut self,
        group: Uuid,
        member: Uuid,
        added: bool,
        seq: u64,
    ) -> bool {
        let changed = self
            .get_mut(group)
            .is_some_and(|g| g.set_member(member, added, seq));
        if changed {
            self.advance(seq);
        }
        changed
    }

    /// Removes a (deleted) user from every group it is in, one change each.
    pub(crate) fn remove_member_everywhere(&mut self, member: Uuid) {
        let mut seq = self.seq();
        for group in self.all_mut() {
            if group.members.binary_search(&member).is_ok() {
                seq += 1;
                group.set_member(member, false, seq);
            }
        }
        self.advance(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(n: u128) -> Group {
        serde_json::from_value(serde_json::json!({ "id": Uuid::from_u128(n), "displayName": "g" }))
            .unwrap()
    }

    #[test]
    fn member_changes_keep_the_last_change_of_each_member_and_survive_updates() {
        let (g, a, b) = (Uuid::from_u128(1), Uuid::from_u128(10), Uuid::from_u128(11));
        let mut store = GroupStore::new(vec![group(1)]);
        assert!(store.set_member_at(g, a, true, 1));
        assert!(!store.set_member_at(g, a, true, 2), "already a member");
        assert!(store.set_member_at(g, b, true, 2));
        assert!(store.set_member_at(g, a, false, 3));
        assert!(
            !store.set_member_at(Uuid::from_u128(2), a, true, 4),
            "no such group"
        );
        let changes = store.get(g).unwrap().member_changes_since(1);
        assert_eq!(
            changes,
            vec![
                MemberChange {
                    seq: 3,
                    member: a,
                    added: false
                },
                MemberChange {
                    seq: 2,
                    member: b,
                    added: true
                },
            ]
        );
        let mut renamed = group(1);
        renamed.display_name = "renamed".into();
        store.upsert_at(renamed, 4);
        assert_eq!(store.get(g).unwrap().members, vec![b]);
        store.remove_member_everywhere(b);
        assert!(store.get(g).unwrap().members.is_empty());
        assert_eq!(store.seq(), 5);
    }
}
