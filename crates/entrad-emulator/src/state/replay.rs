//! Replaying a journal entry onto the stores, on load and for each new change.

use super::group::GroupStore;
use super::persist::JournalEntry;
use super::store::UserStore;

/// Applies one entry: a user's upsert or removal (a removed user leaves every group),
/// or a group's change.
pub(super) fn apply(users: &mut UserStore, groups: &mut GroupStore, entry: JournalEntry) {
    match entry {
        JournalEntry::Upsert { seq, user } => users.upsert_at(user, seq),
        JournalEntry::Remove { seq, id, permanent } => {
            if users.remove_at(id, permanent, seq) {
                groups.remove_member_everywhere(id);
            }
        }
        other => apply_to_groups(groups, other),
    }
}

/// Replays a group entry of the journal.
fn apply_to_groups(groups: &mut GroupStore, entry: JournalEntry) {
    match entry {
        JournalEntry::GroupUpsert { seq, group } => groups.upsert_at(group, seq),
        JournalEntry::GroupRemove { seq, id, permanent } => {
            groups.remove_at(id, permanent, seq);
        }
        JournalEntry::Member {
            seq,
            group,
            member,
            added,
        } => {
            groups.set_member_at(group, member, added, seq);
        }
        JournalEntry::Upsert { .. } | JournalEntry::Remove { .. } => {}
    }
}
