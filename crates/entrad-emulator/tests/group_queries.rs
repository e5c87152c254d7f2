//! `$filter`, `$search`, `$orderby` and `$count` on `/v1.0/groups`, with the
//! examples of List groups, "Use the $search query parameter" and the advanced query
//! page, under the advanced query rules users follow (issue 26 item 7).

use std::collections::BTreeSet;

use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

/// The groups the pages' examples name: display name, description, mail-enabled
/// (Microsoft 365, `Unified`) or security group.
const GROUPS: [(&str, &str, bool); 6] = [
    ("Video Production", "One of the video teams", true),
    ("Drive Sync", "One drive for all", false),
    ("Video Archive", "Two decades of tape", true),
    ("Sales", "One team", false),
    ("OneVideo Hub", "Streaming", true),
    ("OneVideo Private", "Streaming, unlisted", false),
];

async fn tenant_of_examples() -> (InProcess, String) {
    let h = InProcess::start(0).await.unwrap();
    for (name, description, unified) in GROUPS {
        let nickname: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
        let body = json!({
            "displayName": name,
            "description": description,
            "mailNickname": nickname.to_lowercase(),
            "mail": unified.then(|| format!("{}@entrademo.onmicrosoft.com", nickname.to_lowercase())),
            "mailEnabled": unified,
            "securityEnabled": !unified,
            "groupTypes": if unified { vec!["Unified"] } else { vec![] },
            "members": [],
        });
        let (status, answer) = h.admin_request(Method::POST, "/groups", Some(body)).await;
        assert_eq!(status, 201, "{answer}");
    }
    let token = h.token().await;
    (h, token)
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// GET `/v1.0/groups?{query}` (values encoded), with or without `ConsistencyLevel: eventual`.
async fn groups(
    h: &InProcess,
    token: &str,
    query: &[(&str, &str)],
    eventual: bool,
) -> (u16, Value) {
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let mut request = h
        .client
        .get(format!("{}?{}", h.url("/v1.0/groups"), query.join("&")))
        .bearer_auth(token);
    if eventual {
        request = request.header("ConsistencyLevel", "eventual");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn names(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|g| g["displayName"].as_str().unwrap().to_owned())
        .collect()
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn filter_by_equality_prefix_and_any_on_group_types() {
    let (h, token) = tenant_of_examples().await;
    // List groups: "apply a filter on groupTypes": groupTypes/any(c:c+eq+'Unified').
    let (status, body) = groups(
        &h,
        &token,
        &[("$filter", "groupTypes/any(c:c eq 'Unified')")],
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let unified = set(&["Video Production", "Video Archive", "OneVideo Hub"]);
    assert_eq!(names(&body).into_iter().collect::<BTreeSet<_>>(), unified);
    // What `az ad group list --display-name` and `az ad group show --group` send.
    let (_, body) = groups(
        &h,
        &token,
        &[("$filter", "startswith(displayName,'video')")],
        false,
    )
    .await;
    assert_eq!(
        names(&body).into_iter().collect::<BTreeSet<_>>(),
        set(&["Video Production", "Video Archive"])
    );
    let (_, body) = groups(
        &h,
        &token,
        &[("$filter", "displayName eq 'drive sync'")],
        false,
    )
    .await;
    assert_eq!(names(&body), ["Drive Sync"]);
    let (_, body) = groups(
        &h,
        &token,
        &[(
            "$filter",
            "mailEnabled eq false and securityEnabled eq true",
        )],
        false,
    )
    .await;
    assert_eq!(
        names(&body).into_iter().collect::<BTreeSet<_>>(),
        set(&["Drive Sync", "Sales", "OneVideo Private"])
    );
    // not(any()) is an advanced query: refused without the parameters, served with them.
    let not_unified = [
        ("$filter", "not(groupTypes/any(c:c eq 'Unified'))"),
        ("$count", "true"),
    ];
    let (status, body) = groups(&h, &token, &not_unified, false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "Request_UnsupportedQuery");
    let (status, body) = groups(&h, &token, &not_unified, true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["@odata.count"], 3);
    // A property groups do not have, or cannot be filtered by.
    let (status, body) = groups(&h, &token, &[("$filter", "shoeSize eq 'x'")], false).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("Request_UnsupportedQuery"))
    );
    assert_eq!(
        body["error"]["message"],
        "Unsupported or invalid query filter clause specified for property 'shoeSize' of resource 'Group'."
    );
}

#[tokio::test]
async fn search_needs_the_header_and_follows_the_pages_examples() {
    let (h, token) = tenant_of_examples().await;
    let example = r#""description:One" AND ("displayName:Video" OR "displayName:Drive")"#;
    let (status, body) = groups(&h, &token, &[("$search", example)], false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
    );
    let (status, body) = groups(&h, &token, &[("$search", example)], true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&body).into_iter().collect::<BTreeSet<_>>(),
        set(&["Video Production", "Drive Sync"])
    );
    // "$filter=mailEnabled eq true&$search="displayName:OneVideo"": "OneVideo" is the
    // two words one and video; the filter and the search are ANDed.
    let (_, body) = groups(
        &h,
        &token,
        &[
            ("$filter", "mailEnabled eq true"),
            ("$search", "\"displayName:OneVideo\""),
        ],
        true,
    )
    .await;
    assert_eq!(names(&body), ["OneVideo Hub"]);
    let (_, body) = groups(
        &h,
        &token,
        &[("$search", "\"mailNickname:onevideo\"")],
        true,
    )
    .await;
    assert_eq!(
        names(&body).into_iter().collect::<BTreeSet<_>>(),
        set(&["OneVideo Hub", "OneVideo Private"])
    );
}

#[tokio::test]
async fn orderby_display_name_and_count_under_the_advanced_query_rules() {
    let h = InProcess::start(300).await.unwrap();
    let token = h.token().await;
    // $orderby=displayName by default, over pages.
    let (status, first) = groups(
        &h,
        &token,
        &[("$orderby", "displayName"), ("$top", "7")],
        false,
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let mut sorted = names(&first);
    let mut next = first["@odata.nextLink"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let body = entrad_testkit::json_of(h.client.get(&url).bearer_auth(&token)).await;
        sorted.extend(names(&body));
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(sorted.len(), 30);
    let mut expected = sorted.clone();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(sorted, expected);
    // $count=true: counted with the header, silently ignored without.
    let (_, counted) = groups(&h, &token, &[("$count", "true"), ("$top", "5")], true).await;
    assert_eq!(counted["@odata.count"], 30);
    let (status, ignored) = groups(&h, &token, &[("$count", "true")], false).await;
    assert_eq!(status, 200);
    assert!(ignored.get("@odata.count").is_none(), "{ignored}");
    // /groups/$count: the advanced query page's first example.
    let raw = h
        .client
        .get(h.url("/v1.0/groups/$count"))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.text().await.unwrap(), "30");
    let (status, body) = h.get_json("/v1.0/groups/$count", &token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("Request_BadRequest"))
    );
    // Sorting with a filter needs the advanced parameters; only displayName sorts.
    let filtered = [
        ("$orderby", "displayName"),
        ("$filter", "securityEnabled eq true"),
    ];
    let (status, body) = groups(&h, &token, &filtered, false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Sorting not supported for current query."
    );
    let with_count = [filtered[0], filtered[1], ("$count", "true")];
    let (status, body) = groups(&h, &token, &with_count, true).await;
    assert_eq!(status, 200, "{body}");
    let security = names(&body);
    assert_eq!(body["@odata.count"].as_u64(), Some(security.len() as u64));
    assert!(security.is_sorted_by_key(|n| n.to_lowercase()));
    let (status, body) = groups(&h, &token, &[("$orderby", "mail")], false).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Unsupported sort property 'mail' for 'Group'."
    );
}
