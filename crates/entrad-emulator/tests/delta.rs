//! Graph `/v1.0/users/delta`: the initial sync, then changes made through the admin API.

use std::collections::{HashMap, HashSet};

use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

/// Follows nextLinks to the deltaLink; returns every item and the deltaLink.
async fn round(h: &InProcess, token: &str, start: &str) -> (Vec<Value>, String, usize) {
    let (mut items, mut url, mut pages) = (Vec::new(), start.to_string(), 0);
    loop {
        let response = h.client.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let body: Value = response.json().await.unwrap();
        pages += 1;
        items.extend(body["value"].as_array().unwrap().iter().cloned());
        if let Some(next) = body["@odata.nextLink"].as_str() {
            assert!(body.get("@odata.deltaLink").is_none());
            assert!(next.contains("$skiptoken="));
            url = next.to_string();
        } else {
            let delta = body["@odata.deltaLink"]
                .as_str()
                .expect("the last page has a deltaLink");
            assert!(delta.contains("$deltatoken="));
            return (items, delta.to_string(), pages);
        }
    }
}

#[tokio::test]
async fn initial_sync_then_changes_additions_and_removals() {
    let h = InProcess::start(250).await.unwrap();
    let token = h.token().await;
    let (items, delta, pages) = round(
        &h,
        &token,
        &h.url("/v1.0/users/delta?$select=id,displayName"),
    )
    .await;
    assert_eq!(items.len(), 250);
    assert_eq!(pages, 3);
    assert!(delta.contains("$select=id,displayName"));
    let ids: Vec<String> = items
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 250);

    // Nothing changed: an empty page with a deltaLink.
    let (nothing, delta, _) = round(&h, &token, &delta).await;
    assert!(nothing.is_empty());

    // Modify one, add one, soft-delete one, hard-delete one.
    let (status, _) = h
        .admin_request(
            Method::PATCH,
            &format!("/users/{}", ids[3]),
            Some(json!({ "displayName": "Renamed Person" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, added) = h.admin_request(Method::POST, "/users", Some(json!({ "userPrincipalName": "new.person@entrademo.onmicrosoft.com", "displayName": "New Person" }))).await;
    assert_eq!(status, 201);
    let added_id = added["id"].as_str().unwrap().to_string();
    assert_eq!(
        h.admin_status(Method::DELETE, &format!("/users/{}", ids[7]), None)
            .await,
        204
    );
    assert_eq!(
        h.admin_status(
            Method::DELETE,
            &format!("/users/{}?permanent=true", ids[9]),
            None
        )
        .await,
        204
    );

    let (changes, delta, _) = round(&h, &token, &delta).await;
    let by_id: HashMap<&str, &Value> = changes
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c))
        .collect();
    assert_eq!(changes.len(), 4, "{changes:?}");
    assert_eq!(by_id[ids[3].as_str()]["displayName"], "Renamed Person");
    assert_eq!(by_id[added_id.as_str()]["displayName"], "New Person");
    assert_eq!(
        by_id[ids[7].as_str()]["@removed"],
        json!({ "reason": "changed" })
    );
    assert_eq!(
        by_id[ids[9].as_str()]["@removed"],
        json!({ "reason": "deleted" })
    );
    assert_eq!(
        by_id[ids[3].as_str()].as_object().unwrap().len(),
        2,
        "$select applies to changes"
    );

    // Graph sees the same state.
    let (status, _) = h.get_json(&format!("/v1.0/users/{}", ids[7]), &token).await;
    assert_eq!(status, 404);
    let (again, _, _) = round(&h, &token, &delta).await;
    assert!(again.is_empty(), "{again:?}");
    assert!(h.stats().await["requests"]["users-delta"].as_u64().unwrap() >= 6);
}

#[tokio::test]
async fn many_changes_are_paged_and_latest_gives_only_a_link() {
    let h = InProcess::start(5).await.unwrap();
    let token = h.token().await;
    let (_, latest, pages) =
        round(&h, &token, &h.url("/v1.0/users/delta?$deltatoken=latest")).await;
    assert_eq!(pages, 1);
    let mut ids = Vec::new();
    for i in 0..7 {
        let (_, user) = h
            .admin_request(
                Method::POST,
                "/users",
                Some(json!({ "userPrincipalName": format!("p{i}@entrademo.onmicrosoft.com") })),
            )
            .await;
        ids.push(user["id"].as_str().unwrap().to_string());
    }
    for id in &ids[..3] {
        h.admin_request(Method::DELETE, &format!("/users/{id}"), None)
            .await;
    }
    let response = h
        .client
        .get(&latest)
        .bearer_auth(&token)
        .header("Prefer", "odata.maxpagesize=2")
        .send()
        .await
        .unwrap();
    let first: Value = response.json().await.unwrap();
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    let mut items: Vec<Value> = first["value"].as_array().unwrap().clone();
    let mut next = first["@odata.nextLink"].as_str().map(String::from);
    while let Some(url) = next {
        let body = entrad_testkit::json_of(
            h.client
                .get(&url)
                .bearer_auth(&token)
                .header("Prefer", "odata.maxpagesize=2"),
        )
        .await;
        items.extend(body["value"].as_array().unwrap().iter().cloned());
        next = body["@odata.nextLink"].as_str().map(String::from);
    }
    let removed = items.iter().filter(|i| i.get("@removed").is_some()).count();
    let present = items.iter().filter(|i| i.get("@removed").is_none()).count();
    assert_eq!((present, removed), (4, 3), "{items:?}");
}

#[tokio::test]
async fn bad_and_foreign_delta_tokens() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    let (status, body) = h
        .get_json("/v1.0/users/delta?$deltatoken=%%%garbage", &token)
        .await;
    assert_eq!(status, 400, "{body}");
    // A well-formed token of another sync history (another emulator run): 410 with Location.
    let other = InProcess::start(3).await.unwrap();
    let other_token = other.token().await;
    let (_, link, _) = round(&other, &other_token, &other.url("/v1.0/users/delta")).await;
    let foreign = link.split("$deltatoken=").nth(1).unwrap();
    let response = h
        .get(&format!("/v1.0/users/delta?$deltatoken={foreign}"), &token)
        .await;
    assert_eq!(response.status(), 410);
    assert_eq!(
        response.headers()["location"],
        h.url("/v1.0/users/delta").as_str()
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "syncStateNotFound");
    let (status, _) = h
        .get_json("/v1.0/users/delta?$filter=displayName eq 'x'", &token)
        .await;
    assert_eq!(status, 400);
}

/// Graph's four OData forms of the delta function, as SDKs build them
/// (`/users/delta()`) and as people write them: the same round, directly and in `$batch`.
#[tokio::test]
async fn delta_answers_every_odata_function_form() {
    let h = InProcess::start(30).await.unwrap();
    let token = h.token().await;
    for form in [
        "delta",
        "delta()",
        "microsoft.graph.delta",
        "microsoft.graph.delta()",
    ] {
        let (items, link, pages) = round(
            &h,
            &token,
            &h.url(&format!("/v1.0/users/{form}?$select=id")),
        )
        .await;
        assert_eq!((items.len(), pages), (30, 1), "{form}");
        let (nothing, _, _) = round(&h, &token, &link).await;
        assert!(nothing.is_empty(), "{form}");
    }
    assert_eq!(h.stats().await["requests"]["users-delta"], 8);
    let (status, body) = h
        .get_json(
            "/v1.0/users/microsoft.graph.delta()?$orderby=displayName",
            &token,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let batch = json!({ "requests": [
        { "id": "1", "method": "GET", "url": "/users/microsoft.graph.delta()?$select=id" },
        { "id": "2", "method": "GET", "url": "/users/delta()?$select=id" },
    ]});
    let response = h
        .client
        .post(h.url("/v1.0/$batch"))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    for answer in body["responses"].as_array().unwrap() {
        assert_eq!(answer["status"], 200, "{body}");
        assert_eq!(answer["body"]["value"].as_array().unwrap().len(), 30);
    }
}

/// user: delta, "OData query parameters": "The *id* property is always returned", with
/// `$select` or without, for the initial round and for new and changed users later
/// (the page's own Example 2 response leaves it out; the text is followed).
#[tokio::test]
async fn delta_items_carry_their_id_whatever_select_names() {
    let h = InProcess::start(12).await.unwrap();
    let token = h.token().await;
    let start = h.url("/v1.0/users/delta?$select=displayName,jobTitle,mobilePhone");
    let (items, delta, _) = round(&h, &token, &start).await;
    assert_eq!(items.len(), 12);
    for item in &items {
        let keys: HashSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            HashSet::from(["id", "displayName", "jobTitle", "mobilePhone"]),
            "{item}"
        );
    }
    assert!(
        delta.contains("$select=displayName,jobTitle,mobilePhone"),
        "{delta}"
    );
    let changed = items[4]["id"].as_str().unwrap();
    let (status, _) = h
        .admin_request(
            Method::PATCH,
            &format!("/users/{changed}"),
            Some(json!({ "jobTitle": "Archivist" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, added) = h
        .admin_request(
            Method::POST,
            "/users",
            Some(json!({ "userPrincipalName": "later@entrademo.onmicrosoft.com", "displayName": "Later" })),
        )
        .await;
    assert_eq!(status, 201);
    let (changes, delta, _) = round(&h, &token, &delta).await;
    let ids: HashSet<&str> = changes.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        HashSet::from([changed, added["id"].as_str().unwrap()]),
        "{changes:?}"
    );
    // A later round keeps the selection and the id.
    h.admin_request(
        Method::PATCH,
        &format!("/users/{changed}"),
        Some(json!({ "displayName": "Renamed Again" })),
    )
    .await;
    let (third, _, _) = round(&h, &token, &delta).await;
    assert_eq!(
        third,
        vec![
            json!({ "id": changed, "displayName": "Renamed Again", "jobTitle": "Archivist", "mobilePhone": third[0]["mobilePhone"] })
        ]
    );
}

/// user: delta: "The only supported $filter expression is for tracking changes on a
/// specific object: $filter=id+eq+{value}. You can filter multiple objects ... There
/// is a limit of 50 filtered objects." Every round reports only those objects.
#[tokio::test]
async fn delta_filtered_by_ids_tracks_only_those_users() {
    let h = InProcess::start(20).await.unwrap();
    let token = h.token().await;
    let (all, _, _) = round(&h, &token, &h.url("/v1.0/users/delta?$select=id")).await;
    let id = |i: usize| all[i]["id"].as_str().unwrap().to_string();
    let filter = format!("id eq '{}' or id eq '{}'", id(2), id(5));
    let start = h.url(&format!(
        "/v1.0/users/delta?$select=displayName&$filter={filter}"
    ));
    let (items, delta, _) = round(&h, &token, &start).await;
    let got: HashSet<String> = items
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, HashSet::from([id(2), id(5)]));
    for i in [2, 3, 5, 6] {
        h.admin_request(
            Method::PATCH,
            &format!("/users/{}", id(i)),
            Some(json!({ "displayName": format!("Changed {i}") })),
        )
        .await;
    }
    h.admin_request(Method::DELETE, &format!("/users/{}", id(5)), None)
        .await;
    let (changes, _, _) = round(&h, &token, &delta).await;
    assert_eq!(
        changes,
        vec![
            json!({ "id": id(2), "displayName": "Changed 2" }),
            json!({ "id": id(5), "@removed": { "reason": "changed" } }),
        ]
    );
    // Any other filter, or more than 50 objects: 400.
    let (status, body) = h
        .get_json("/v1.0/users/delta?$filter=displayName eq 'x'", &token)
        .await;
    assert_eq!(
        (status, &body["error"]["code"], &body["error"]["message"]),
        (
            400,
            &json!("Request_UnsupportedQuery"),
            &json!("Unsupported Query.")
        )
    );
    let many: Vec<String> = (0..51)
        .map(|n| format!("id eq '00000000-0000-4000-8000-{n:012}'"))
        .collect();
    let (status, _) = h
        .get_json(
            &format!("/v1.0/users/delta?$filter={}", many.join(" or ")),
            &token,
        )
        .await;
    assert_eq!(status, 400);
}
