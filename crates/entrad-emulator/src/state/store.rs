//! The users (or groups) of the tenant: a vector sorted by id (binary search, cheap
//! paging by last id) with change sequence numbers and tombstones for delta queries.

use uuid::Uuid;

use super::user::User;

/// What a [`Store`] keeps: an object with an id and the number of its last change.
pub(crate) trait Entry {
    fn id(&self) -> Uuid;
    /// The number of the last change (0: part of the initial state).
    fn changed(&self) -> u64;
    /// Records `seq` as the number of the last change.
    fn set_changed(&mut self, seq: u64);
    /// Keeps what an update does not carry (a group's members) from the version it replaces.
    fn carry_over(&mut self, _old: &mut Self) {}
}

impl Entry for User {
    fn id(&self) -> Uuid {
        self.id
    }
    fn changed(&self) -> u64 {
        self.changed
    }
    fn set_changed(&mut self, seq: u64) {
        self.changed = seq;
    }
}

/// The users, sorted by id.
pub(crate) type UserStore = Store<User>;

/// A removed user, remembered for delta queries.
#[derive(Debug, Clone)]
pub(crate) struct Tombstone {
    pub(crate) seq: u64,
    pub(crate) id: Uuid,
    /// Hard delete (`"deleted"`) rather than soft delete (`"changed"`).
    pub(crate) permanent: bool,
}

/// All objects of one kind, sorted by id.
#[derive(Debug)]
pub(crate) struct Store<T> {
    items: Vec<T>,
    tombstones: Vec<Tombstone>,
    seq: u64,
}

impl<T: Entry> Store<T> {
    /// A store of `items` (any order, ids unique) as the initial state.
    pub(crate) fn new(mut items: Vec<T>) -> Self {
        items.sort_unstable_by_key(|u| u.id());
        items.dedup_by_key(|u| u.id());
        Store {
            items,
            tombstones: Vec::new(),
            seq: 0,
        }
    }

    /// The last change sequence number.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    pub(crate) fn all(&self) -> &[T] {
        &self.items
    }

    pub(crate) fn tombstones(&self) -> &[Tombstone] {
        &self.tombstones
    }

    /// Index of the first object whose id is greater than `after` (0 for `None`).
    pub(crate) fn position_after(&self, after: Option<Uuid>) -> usize {
        match after {
            None => 0,
            Some(id) => self.items.partition_point(|u| u.id() <= id),
        }
    }

    pub(crate) fn get(&self, id: Uuid) -> Option<&T> {
        self.items
            .binary_search_by_key(&id, |u| u.id())
            .ok()
            .map(|i| &self.items[i])
    }

    pub(crate) fn get_mut(&mut self, id: Uuid) -> Option<&mut T> {
        self.items
            .binary_search_by_key(&id, |u| u.id())
            .ok()
            .map(|i| &mut self.items[i])
    }

    /// Every object, to change in place (ids must stay as they are).
    pub(crate) fn all_mut(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// Records `seq` as the last change number (which must grow).
    pub(crate) fn advance(&mut self, seq: u64) {
        self.seq = self.seq.max(seq);
    }

    /// Adds or replaces an object as change number `seq` (which must grow).
    pub(crate) fn upsert_at(&mut self, mut item: T, seq: u64) {
        self.seq = self.seq.max(seq);
        item.set_changed(seq);
        match self.items.binary_search_by_key(&item.id(), |u| u.id()) {
            Ok(i) => {
                item.carry_over(&mut self.items[i]);
                self.items[i] = item;
            }
            Err(i) => self.items.insert(i, item),
        }
    }

    /// Removes an object as change number `seq`; false when there was none.
    pub(crate) fn remove_at(&mut self, id: Uuid, permanent: bool, seq: u64) -> bool {
        match self.items.binary_search_by_key(&id, |u| u.id()) {
            Ok(i) => {
                self.seq = self.seq.max(seq);
                self.items.remove(i);
                self.tombstones.push(Tombstone { seq, id, permanent });
                true
            }
            Err(_) => false,
        }
    }
}

impl Store<User> {
    /// A user by id or by userPrincipalName (case-insensitive), as `/users/{id}` accepts.
    pub(crate) fn find(&self, key: &str) -> Option<&User> {
        match Uuid::parse_str(key) {
            Ok(id) => self.get(id),
            Err(_) => self
                .items
                .iter()
                .find(|u| u.user_principal_name.eq_ignore_ascii_case(key)),
        }
    }

    /// Whether another user already has this userPrincipalName.
    pub(crate) fn upn_taken(&self, upn: &str, except: Uuid) -> bool {
        self.items
            .iter()
            .any(|u| u.id != except && u.user_principal_name.eq_ignore_ascii_case(upn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u128, upn: &str) -> User {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(n), "userPrincipalName": upn
        }))
        .unwrap()
    }

    #[test]
    fn finds_by_id_and_upn_and_pages_after_an_id() {
        let mut s = UserStore::new(vec![user(3, "c@x"), user(1, "a@x"), user(2, "b@x")]);
        assert_eq!(s.find("B@X").unwrap().id, Uuid::from_u128(2));
        assert_eq!(
            s.find(&Uuid::from_u128(3).to_string())
                .unwrap()
                .user_principal_name
                .as_ref(),
            "c@x"
        );
        assert_eq!(s.position_after(Some(Uuid::from_u128(1))), 1);
        assert!(s.remove_at(Uuid::from_u128(2), false, 1));
        assert!(!s.remove_at(Uuid::from_u128(2), false, 2));
        s.upsert_at(user(9, "z@x"), 3);
        assert_eq!(s.seq(), 3);
        assert_eq!(s.all().len(), 3);
        assert_eq!(s.tombstones().len(), 1);
    }
}
