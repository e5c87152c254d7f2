//! `entrad users --search` and `entrad groups --search`: Graph's `$search` with
//! the `ConsistencyLevel: eventual` header the CLI adds, words of displayName
//! matched in any order.

use serde_json::Value;

use crate::support::{Emulator, succeed};

fn listed(emulator: &Emulator, command: &str, args: &[&str]) -> Vec<Value> {
    let output = succeed(
        emulator
            .configured()
            .args([command, "--format", "ndjson", "--select", "id,displayName"])
            .args(args),
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn name(item: &Value) -> String {
    item["displayName"].as_str().unwrap().to_owned()
}

#[test]
fn users_and_groups_are_searched_by_the_words_of_their_names() {
    let emulator = Emulator::start(120);
    let everyone = listed(&emulator, "users", &[]);
    let user = everyone
        .iter()
        .find(|u| name(u).split(' ').count() == 2)
        .expect("a user with a two-word name");
    let words: Vec<String> = name(user).split(' ').map(str::to_owned).collect();
    // The words in the other order: Graph matches each word, in any order.
    let search = format!("displayName:{} {}", words[1], words[0]);
    let found = listed(&emulator, "users", &["--search", &search]);
    assert!(found.iter().any(|u| u["id"] == user["id"]), "{found:?}");
    assert!(found.len() < everyone.len());
    for other in &found {
        let lower = name(other).to_lowercase();
        for word in &words {
            assert!(
                lower
                    .split(' ')
                    .any(|w| w.starts_with(&word.to_lowercase())),
                "{lower} for {search}"
            );
        }
    }

    let groups = listed(&emulator, "groups", &[]);
    let group = groups.first().expect("a group");
    let first_word = name(group).split(' ').next().unwrap().to_owned();
    let found = listed(
        &emulator,
        "groups",
        &["--search", &format!("displayName:{first_word}")],
    );
    assert!(found.iter().any(|g| g["id"] == group["id"]), "{found:?}");
    assert!(found.iter().all(|g| {
        name(g)
            .to_lowercase()
            .split(' ')
            .any(|w| w.starts_with(&first_word.to_lowercase()))
    }));
}
