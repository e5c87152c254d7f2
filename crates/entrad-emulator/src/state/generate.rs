//! Deterministic generation of users from a seed: the same seed and count always
//! give the same directory.

use std::collections::HashMap;
use std::sync::Arc;

use super::user::User;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const GIVEN: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Amara",
    "Anika",
    "Bianca",
    "Carlos",
    "Chen",
    "Christie",
    "Dana",
    "Debra",
    "Diego",
    "Elena",
    "Emily",
    "Enrico",
    "Fatima",
    "Gerhart",
    "Grady",
    "Hana",
    "Henrietta",
    "Hiroshi",
    "Ingrid",
    "Isaiah",
    "Jakob",
    "Johanna",
    "Joni",
    "Kenji",
    "Lara",
    "Lee",
    "Lidia",
    "Lynne",
    "Malik",
    "Megan",
    "Miriam",
    "Nestor",
    "Nia",
    "Olga",
    "Omar",
    "Patti",
    "Pradeep",
    "Priya",
    "Rafael",
    "Rosa",
    "Sakura",
    "Samir",
    "Sofia",
    "Tariq",
    "Thandiwe",
    "Uma",
    "Viktor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zofia",
];
const SURNAMES: &[&str] = &[
    "Vance",
    "Wilber",
    "Deyoung",
    "Okafor",
    "Berg",
    "Rossi",
    "Mendes",
    "Wang",
    "Cline",
    "Park",
    "Hansen",
    "Ramirez",
    "Petrova",
    "Nguyen",
    "Bianchi",
    "Haddad",
    "Schmidt",
    "Archie",
    "Sato",
    "Bowen",
    "Tanaka",
    "Larsen",
    "Mensah",
    "Novak",
    "Keller",
    "Sanders",
    "Yamada",
    "Costa",
    "Adams",
    "Holt",
    "Robinson",
    "Diallo",
    "Gold",
    "Wilke",
    "Achieng",
    "Ivanova",
    "Farouk",
    "McKay",
    "Iyer",
    "Sharma",
    "Silva",
    "Torres",
    "Kobayashi",
    "Khan",
    "Lindqvist",
    "Rahman",
    "Zulu",
    "Murthy",
    "Kowalski",
    "Li",
    "Aziz",
    "Demir",
    "Nowak",
];
const TITLES: &[&str] = &[
    "Marketing Manager",
    "Software Engineer",
    "Senior Software Engineer",
    "Product Manager",
    "Sales Representative",
    "Accountant",
    "HR Manager",
    "Designer",
    "Support Engineer",
    "Data Analyst",
    "Legal Counsel",
    "Director",
    "Program Manager",
    "Researcher",
];
const DEPARTMENTS: &[&str] = &[
    "Marketing",
    "Engineering",
    "Sales",
    "Finance",
    "Human Resources",
    "Legal",
    "Operations",
    "Research",
];
const OFFICES: &[&str] = &[
    "18/2111",
    "131/1104",
    "20/1101",
    "12/1110",
    "24/1106",
    "Berlin",
    "Tokyo",
    "Nairobi",
    "Sao Paulo",
    "Dublin",
];
const LANGUAGES: &[&str] = &[
    "en-US", "en-GB", "de-DE", "fr-FR", "ja-JP", "pt-BR", "es-ES",
];

fn shared(list: &[&str]) -> Vec<Arc<str>> {
    list.iter().map(|s| Arc::from(*s)).collect()
}

fn pick<'a, T>(rng: &mut StdRng, list: &'a [T]) -> &'a T {
    &list[rng.gen_range(0..list.len())]
}

/// `count` users of `domain`, from `seed`, sorted by id.
pub(crate) fn generate(count: usize, seed: u64, domain: &str) -> Vec<User> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (titles, departments, offices, languages) = (
        shared(TITLES),
        shared(DEPARTMENTS),
        shared(OFFICES),
        shared(LANGUAGES),
    );
    let mut taken: HashMap<(&str, &str), u32> = HashMap::new();
    let mut users = Vec::with_capacity(count);
    for _ in 0..count {
        let (g, s) = (
            rng.gen_range(0..GIVEN.len()),
            rng.gen_range(0..SURNAMES.len()),
        );
        let (given, surname) = (GIVEN[g], SURNAMES[s]);
        let n = taken.entry((given, surname)).or_insert(0);
        *n += 1;
        let suffix = if *n == 1 {
            String::new()
        } else {
            n.to_string()
        };
        let upn = format!("{}.{}{suffix}@{domain}", given, surname).to_lowercase();
        let id = uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid();
        let phone = |rng: &mut StdRng| format!("+1 425 555 {:04}", rng.gen_range(0..10_000));
        let business_phones = if rng.gen_bool(0.7) {
            vec![phone(&mut rng).into_boxed_str()]
        } else {
            Vec::new()
        };
        let mobile_phone = rng.gen_bool(0.4).then(|| phone(&mut rng).into_boxed_str());
        users.push(User {
            id,
            business_phones,
            display_name: Some(format!("{given} {surname}").into()),
            given_name: Some(given.into()),
            job_title: rng.gen_bool(0.9).then(|| pick(&mut rng, &titles).clone()),
            mail: rng.gen_bool(0.95).then(|| upn.clone().into_boxed_str()),
            mobile_phone,
            office_location: rng.gen_bool(0.8).then(|| pick(&mut rng, &offices).clone()),
            preferred_language: rng
                .gen_bool(0.6)
                .then(|| pick(&mut rng, &languages).clone()),
            surname: Some(surname.into()),
            user_principal_name: upn.into_boxed_str(),
            account_enabled: rng.gen_bool(0.97),
            department: rng
                .gen_bool(0.85)
                .then(|| pick(&mut rng, &departments).clone()),
            manager: None,
            changed: 0,
        });
    }
    users.sort_unstable_by_key(|u| u.id);
    assign_managers(&mut users);
    users
}

/// Reports per manager in the generated organisation chart.
const SPAN: usize = 8;

/// A manager for every user but the first: in id order, the users form a tree in
/// which user `i` reports to user `(i - 1) / 8` (the first user heads it). Drawn
/// from the order, not the random stream, so the users themselves stay as they were.
fn assign_managers(users: &mut [User]) {
    for i in 1..users.len() {
        users[i].manager = Some(users[(i - 1) / SPAN].id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_users_and_unique_ids_and_upns() {
        let a = generate(3000, 7, "x.test");
        assert_eq!(a, generate(3000, 7, "x.test"));
        assert_ne!(a, generate(3000, 8, "x.test"));
        let ids: std::collections::HashSet<_> = a.iter().map(|u| u.id).collect();
        let upns: std::collections::HashSet<_> = a.iter().map(|u| &u.user_principal_name).collect();
        assert_eq!(ids.len(), 3000);
        assert_eq!(upns.len(), 3000);
        assert!(a.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(a[0].manager, None);
        assert_eq!(a[1].manager, Some(a[0].id));
        assert_eq!(a[8].manager, Some(a[0].id));
        assert_eq!(a[9].manager, Some(a[1].id));
        assert_eq!(a[2999].manager, Some(a[(2999 - 1) / 8].id));
    }
}
