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
}
