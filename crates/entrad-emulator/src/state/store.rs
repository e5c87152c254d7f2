//! The users of the tenant: a vector sorted by id (binary search, cheap paging by
//! last id) with change sequence numbers and tombstones for delta queries.

use uuid::Uuid;

use super::user::User;

/// A removed user, remembered for delta queries.
#[derive(Debug, Clone)]
pub(crate) struct Tombstone {
    pub(crate) seq: u64,
    pub(crate) id: Uuid,
    /// Hard delete (`"deleted"`) rather than soft delete (`"changed"`).
    pub(crate) permanent: bool,
}

/// All users, sorted by id.
#[derive(Debug, Default)]
pub(crate) struct UserStore {
    users: Vec<User>,
    tombstones: Vec<Tombstone>,
    seq: u64,
}

impl UserStore {
    /// A store of `users` (any order, ids unique) as the initial state.
    pub(crate) fn new(mut users: Vec<User>) -> Self {
        users.sort_unstable_by_key(|u| u.id);
        users.dedup_by_key(|u| u.id);
        UserStore {
            users,
            tombstones: Vec::new(),
            seq: 0,
        }
    }

    /// The last change sequence number.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    pub(crate) fn all(&self) -> &[User] {
        &self.users
    }

    pub(crate) fn tombstones(&self) -> &[Tombstone] {
        &self.tombstones
    }

    /// Index of the first user whose id is greater than `after` (0 for `None`).
    pub(crate) fn position_after(&self, after: Option<Uuid>) -> usize {
        match after {
            None => 0,
            Some(id) => self.users.partition_point(|u| u.id <= id),
        }
    }

    pub(crate) fn get(&self, id: Uuid) -> Option<&User> {
        self.users
            .binary_search_by_key(&id, |u| u.id)
            .ok()
            .map(|i| &self.users[i])
    }

    /// A user by id or by userPrincipalName (case-insensitive), as `/users/{id}` accepts.
    pub(crate) fn find(&self, key: &str) -> Option<&User> {
        match Uuid::parse_str(key) {
            Ok(id) => self.get(id),
            Err(_) => self
                .users
                .iter()
                .find(|u| u.user_principal_name.eq_ignore_ascii_case(key)),
        }
    }

    /// Whether another user already has this userPrincipalName.
    pub(crate) fn upn_taken(&self, upn: &str, except: Uuid) -> bool {
        self.users
            .iter()
            .any(|u| u.id != except && u.user_principal_name.eq_ignore_ascii_case(upn))
    }

    /// Adds or replaces a user as change number `seq` (which must grow).
    pub(crate) fn upsert_at(&mut self, mut user: User, seq: u64) {
        self.seq = self.seq.max(seq);
        user.changed = seq;
        match self.users.binary_search_by_key(&user.id, |u| u.id) {
            Ok(i) => self.users[i] = user,
            Err(i) => self.users.insert(i, user),
        }
    }

    /// Removes a user as change number `seq`; false when there was none.
    pub(crate) fn remove_at(&mut self, id: Uuid, permanent: bool, seq: u64) -> bool {
        match self.users.binary_search_by_key(&id, |u| u.id) {
            Ok(i) => {
                self.seq = self.seq.max(seq);
                self.users.remove(i);
                self.tombstones.push(Tombstone { seq, id, permanent });
                true
            }
            Err(_) => false,
        }
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
