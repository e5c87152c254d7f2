//! Deterministic groups for generated users: one group per ten users, each with
//! members drawn from those users. The same users and seed give the same groups.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::group::Group;
use super::user::User;

/// Users per generated group.
pub(crate) const USERS_PER_GROUP: usize = 10;
/// The most members a generated group gets.
const MAX_MEMBERS: usize = 20;
/// Mixed into the seed so that groups do not replay the users' random draws.
const GROUP_STREAM: u64 = 0x6772_6f75_7073;

const TEAMS: &[&str] = &[
    "Marketing",
    "Engineering",
    "Sales",
    "Finance",
    "Human Resources",
    "Legal",
    "Operations",
    "Research",
    "Design",
    "Support",
];
const KINDS: &[&str] = &["Team", "Project", "Leads", "Admins", "Readers", "Guild"];

/// `users.len() / 10` groups of `domain`, sorted by id; about a third are
/// Microsoft 365 groups (mail-enabled, `Unified`), the others security groups.
pub(crate) fn generate_groups(users: &[User], seed: u64, domain: &str) -> Vec<Group> {
    let count = users.len() / USERS_PER_GROUP;
    let mut rng = StdRng::seed_from_u64(seed ^ GROUP_STREAM);
    let mut groups = Vec::with_capacity(count);
    for n in 1..=count {
        let team = TEAMS[rng.gen_range(0..TEAMS.len())];
        let kind = KINDS[rng.gen_range(0..KINDS.len())];
        let display_name = format!("{team} {kind} {n}");
        let nickname: String = display_name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let unified = rng.gen_bool(0.35);
        let mut members: Vec<_> = (0..rng.gen_range(1..=MAX_MEMBERS))
            .map(|_| users[rng.gen_range(0..users.len())].id)
            .collect();
        members.sort_unstable();
        members.dedup();
        let id = uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid();
        groups.push(Group {
            id,
            description: Some(format!("Members of {display_name}").into()),
            mail: unified.then(|| format!("{nickname}@{domain}").into()),
            mail_enabled: unified,
            security_enabled: !unified,
            group_types: if unified {
                vec!["Unified".into()]
            } else {
                Vec::new()
            },
            visibility: unified.then(|| {
                if rng.gen_bool(0.5) {
                    "Public"
                } else {
                    "Private"
                }
                .into()
            }),
            mail_nickname: Some(nickname.into()),
            display_name: display_name.into(),
            members,
            member_log: Vec::new(),
            changed: 0,
        });
    }
    groups.sort_unstable_by_key(|g| g.id);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::generate::generate;

    #[test]
    fn one_group_per_ten_users_the_same_for_the_same_seed_with_existing_members() {
        let users = generate(1000, 7, "x.test");
        let a = generate_groups(&users, 7, "x.test");
        assert_eq!(a.len(), 100);
        assert_eq!(a, generate_groups(&users, 7, "x.test"));
        assert_ne!(a, generate_groups(&users, 8, "x.test"));
        for group in &a {
            assert!(!group.members.is_empty() && group.members.len() <= MAX_MEMBERS);
            assert!(group.members.windows(2).all(|w| w[0] < w[1]));
            assert!(
                group
                    .members
                    .iter()
                    .all(|m| users.binary_search_by_key(m, |u| u.id).is_ok())
            );
        }
        assert!(a.windows(2).all(|w| w[0].id < w[1].id));
        assert!(generate_groups(&users[..9], 7, "x.test").is_empty());
    }
}
