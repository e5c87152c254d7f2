//! `$search` on `/v1.0/users`, checked with the examples of "Use the $search query
//! parameter" ("Using $search on directory object collections") and List users
//! (Example 6): displayName tokenized and matched word by word in any order, other
//! properties by their start, `AND`/`OR`, parentheses and escapes.

use std::collections::BTreeSet;

use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

/// The users the examples name, in a tenant of nobody else.
const PEOPLE: [(&str, &str); 14] = [
    ("Hello World", "hw1"),
    ("HelloWorld", "hw2"),
    ("helloWORLD", "hw3"),
    ("hello.world", "hw4"),
    ("hello-world", "hw5"),
    ("hello123world", "hw6"),
    ("HELLOworld", "hw7"),
    ("HelloWORld", "hw8"),
    ("Guthrie Bowen", "gbowen"),
    ("Gus Rahman", "guthrun.r"),
    ("Oscar Ward", "oscar.ward"),
    ("Adele Vance", "adele.vance"),
    ("Alex Larsen", "alex.larsen"),
    ("Say \"Hi\" \\ Bye", "quoted"),
];

async fn tenant_of_examples() -> (InProcess, String) {
    let h = InProcess::start(0).await.unwrap();
    for (name, nick) in PEOPLE {
        let upn = format!("{nick}@entrademo.onmicrosoft.com");
        let (status, body) = h
            .admin_request(
                Method::POST,
                "/users",
                Some(json!({ "userPrincipalName": upn, "mail": upn, "displayName": name })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let token = h.token().await;
    (h, token)
}

/// The display names `$search` finds (with `ConsistencyLevel: eventual`).
async fn found(h: &InProcess, token: &str, search: &str) -> BTreeSet<String> {
    let url = format!(
        "{}?$search={}&$top=999",
        h.url("/v1.0/users"),
        urlencode(search)
    );
    let response = h
        .client
        .get(url)
        .bearer_auth(token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{search}: {body}");
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap().to_owned())
        .collect()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn display_names_are_tokenized_and_words_match_in_any_order() {
    let (h, token) = tenant_of_examples().await;
    // The page's table: "displayName:Guthr", and with "OR mail:Guthr".
    assert_eq!(
        found(&h, &token, "\"displayName:Guthr\"").await,
        names(&["Guthrie Bowen"])
    );
    assert_eq!(
        found(&h, &token, "\"displayName:Guthr\" OR \"mail:Guthr\"").await,
        names(&["Guthrie Bowen", "Gus Rahman"])
    );
    // Words in any order (issue 25: the full name of a user found nothing).
    for term in ["Adele Vance", "Vance Adele", "vance ad"] {
        assert_eq!(
            found(&h, &token, &format!("\"displayName:{term}\"")).await,
            names(&["Adele Vance"]),
            "{term}"
        );
    }
    // The tokenization examples: spaces, casing, symbols, numbers.
    let hello_world = names(&[
        "Hello World",
        "HelloWorld",
        "helloWORLD",
        "hello.world",
        "hello-world",
        "hello123world",
        "HelloWORld",
    ]);
    assert_eq!(
        found(&h, &token, "\"displayName:hello world\"").await,
        hello_world
    );
    assert_eq!(
        found(&h, &token, "\"displayName:world hello\"").await,
        hello_world
    );
    // "searching for helloworld will find hello-world and hello.world";
    // HELLOworld is the single token helloworld.
    assert_eq!(
        found(&h, &token, "\"displayName:helloworld\"").await,
        names(&["hello.world", "hello-world", "HELLOworld"])
    );
    assert_eq!(
        found(&h, &token, "\"displayName:123\"").await,
        names(&["hello123world"])
    );
}

#[tokio::test]
async fn other_properties_match_by_their_start_and_clauses_combine() {
    let (h, token) = tenant_of_examples().await;
    // "fields other than displayName and description default to $filter startswith".
    assert_eq!(
        found(&h, &token, "\"mail:alex.larsen\"").await,
        names(&["Alex Larsen"])
    );
    assert!(found(&h, &token, "\"mail:larsen\"").await.is_empty());
    assert_eq!(
        found(&h, &token, "\"userPrincipalName:ADELE\"").await,
        names(&["Adele Vance"])
    );
    // Parentheses for precedence; AND binds tighter than OR without them.
    assert!(
        found(
            &h,
            &token,
            "\"displayName:zzz\" AND (\"displayName:Guthr\" OR \"displayName:Oscar\")"
        )
        .await
        .is_empty()
    );
    assert_eq!(
        found(
            &h,
            &token,
            "\"displayName:zzz\" AND \"displayName:Guthr\" OR \"displayName:Oscar\""
        )
        .await,
        names(&["Oscar Ward"])
    );
    assert_eq!(
        found(
            &h,
            &token,
            "(\"displayName:Guthr\" OR \"displayName:Oscar\") AND \"mail:oscar\""
        )
        .await,
        names(&["Oscar Ward"])
    );
    // A double quote and a backslash in a clause are escaped with a backslash.
    assert_eq!(
        found(&h, &token, r#""displayName:\"Hi\" \\ Bye""#).await,
        names(&["Say \"Hi\" \\ Bye"])
    );
    // Malformed: lower-case operator, unterminated clause, no property.
    for bad in [
        "\"displayName:a\" and \"mail:b\"",
        "\"displayName:a",
        "\"Guthr\"",
    ] {
        let response = h
            .client
            .get(format!(
                "{}?$search={}",
                h.url("/v1.0/users"),
                urlencode(bad)
            ))
            .bearer_auth(&token)
            .header("ConsistencyLevel", "eventual")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
}

/// List users, Example 6: `$search="displayName:wa"&$orderby=displayName&$count=true`
/// with `ConsistencyLevel: eventual` returns Oscar Ward, with a count.
#[tokio::test]
async fn list_users_example_6_finds_oscar_ward() {
    let (h, token) = tenant_of_examples().await;
    let url = format!(
        "{}?$search={}&$orderby=displayName&$count=true",
        h.url("/v1.0/users"),
        urlencode("\"displayName:wa\"")
    );
    let response = h
        .client
        .get(url)
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["@odata.count"], 1, "{body}");
    assert_eq!(body["value"][0]["displayName"], "Oscar Ward");
}
