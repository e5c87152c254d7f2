//! Graph `/v1.0/groups`, `/groups/{id}`, `/groups/{id}/members` and `/groups/delta`
//! with `members@delta`: generated groups, then changes made through the admin API.

use std::collections::{BTreeSet, HashMap};

use entrad_testkit::InProcess;
use serde_json::{Value, json};

/// Follows nextLinks from `start` (a path, or a link the emulator gave) to the
/// end; returns every item, the last page and the number of pages.
async fn all_pages(h: &InProcess, token: &str, start: &str) -> (Vec<Value>, Value, usize) {
    let start = if start.starts_with("https://") {
        start.to_string()
    } else {
        h.url(start)
    };
    let (mut items, mut url, mut pages) = (Vec::new(), start, 0);
    loop {
        let response = h.client.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let body: Value = response.json().await.unwrap();
        pages += 1;
        items.extend(body["value"].as_array().unwrap().iter().cloned());
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return (items, body, pages),
        }
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

/// `members@delta` of a delta item: member id to whether it was removed.
fn members_delta(item: &Value) -> HashMap<String, bool> {
    item["members@delta"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|m| {
                    assert_eq!(m["@odata.type"], "#microsoft.graph.user", "{m}");
                    if let Some(removed) = m.get("@removed") {
                        assert_eq!(removed, &json!({ "reason": "deleted" }));
                    }
                    (
                        m["id"].as_str().unwrap().to_string(),
                        m.get("@removed").is_some(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn generated_groups_are_listed_paged_selected_and_their_members_are_users() {
    let h = InProcess::start(250).await.unwrap();
    let token = h.token().await;
    let (groups, last, pages) = all_pages(&h, &token, "/v1.0/groups?$top=10").await;
    assert_eq!(groups.len(), 25, "one group per ten users");
    assert_eq!(pages, 3);
    assert_eq!(
        last["@odata.context"],
        h.url("/v1.0/$metadata#groups").as_str()
    );
    let unique: BTreeSet<String> = ids(&groups).into_iter().collect();
    assert_eq!(unique.len(), 25);
    for group in &groups {
        assert!(group["displayName"].is_string(), "{group}");
        assert!(group["securityEnabled"].is_boolean(), "{group}");
        assert!(group["groupTypes"].is_array(), "{group}");
    }

    let (status, selected) = h
        .get_json("/v1.0/groups?$select=id,displayName&$top=1", &token)
        .await;
    assert_eq!(status, 200);
    let keys: BTreeSet<&String> = selected["value"][0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        BTreeSet::from([&"displayName".to_string(), &"id".to_string()])
    );
    assert_eq!(
        selected["@odata.context"],
        h.url("/v1.0/$metadata#groups(id,displayName)").as_str()
    );
    let (status, bad) = h.get_json("/v1.0/groups?$select=shoeSize", &token).await;
    assert_eq!(status, 400);
    assert_eq!(
        bad["error"]["message"],
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.group'."
    );

    let id = groups[4]["id"].as_str().unwrap();
    let (status, one) = h.get_json(&format!("/v1.0/groups/{id}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(one["displayName"], groups[4]["displayName"]);
    assert_eq!(
        one["@odata.context"],
        h.url("/v1.0/$metadata#groups/$entity").as_str()
    );

    let stored = h.admin().group(id).await.unwrap();
    let expected: Vec<String> = serde_json::from_value(stored["members"].clone()).unwrap();
    assert!(!expected.is_empty());
    let (members, last, _) =
        all_pages(&h, &token, &format!("/v1.0/groups/{id}/members?$top=2")).await;
    assert_eq!(ids(&members), expected);
    assert_eq!(
        last["@odata.context"],
        h.url("/v1.0/$metadata#directoryObjects").as_str()
    );
    for member in &members {
        assert_eq!(member["@odata.type"], "#microsoft.graph.user");
        assert!(member["userPrincipalName"].is_string(), "{member}");
        let (status, _) = h
            .get_json(
                &format!("/v1.0/users/{}", member["id"].as_str().unwrap()),
                &token,
            )
            .await;
        assert_eq!(status, 200);
    }

    let missing = "00000000-0000-0000-0000-000000000001";
    for path in [
        format!("/v1.0/groups/{missing}"),
        format!("/v1.0/groups/{missing}/members"),
    ] {
        let (status, body) = h.get_json(&path, &token).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
    }
}

#[tokio::test]
async fn group_delta_reports_all_members_then_additions_removals_and_deleted_groups() {
    let h = InProcess::start(200).await.unwrap();
    let token = h.token().await;
    let admin = h.admin();
    let (groups, last, pages) = all_pages(
        &h,
        &token,
        "/v1.0/groups/delta?$select=displayName,members&$top=7",
    )
    .await;
    assert_eq!((groups.len(), pages), (20, 3));
    let delta = last["@odata.deltaLink"].as_str().unwrap().to_string();
    assert!(delta.contains("$select=displayName,members"), "{delta}");
    let gid = ids(&groups);
    for group in &groups {
        let stored = admin.group(group["id"].as_str().unwrap()).await.unwrap();
        let expected: BTreeSet<String> = serde_json::from_value(stored["members"].clone()).unwrap();
        let members = members_delta(group);
        assert!(members.values().all(|removed| !removed));
        assert_eq!(members.into_keys().collect::<BTreeSet<_>>(), expected);
    }

    // Nothing changed: an empty round.
    let (nothing, last, _) = all_pages(&h, &token, &delta).await;
    assert!(nothing.is_empty());
    let delta = last["@odata.deltaLink"].as_str().unwrap().to_string();

    let users = all_pages(&h, &token, "/v1.0/users?$select=id&$top=999")
        .await
        .0;
    let uid = ids(&users);
    let members_of =
        |g: &Value| -> Vec<String> { serde_json::from_value(g["members"].clone()).unwrap() };
    let g0 = admin.group(&gid[0]).await.unwrap();
    let newcomer = uid.iter().find(|u| !members_of(&g0).contains(u)).unwrap();
    assert_eq!(
        admin.add_member(&gid[0], newcomer).await.unwrap()["changed"],
        true
    );
    assert_eq!(
        admin.add_member(&gid[0], newcomer).await.unwrap()["changed"],
        false
    );
    let leaver = members_of(&admin.group(&gid[1]).await.unwrap())[0].clone();
    assert_eq!(
        admin.remove_member(&gid[1], &leaver).await.unwrap()["changed"],
        true
    );
    admin
        .modify_group(&gid[2], &json!({ "displayName": "Renamed Group" }))
        .await
        .unwrap();
    admin.remove_group(&gid[3], false).await.unwrap();
    admin.remove_group(&gid[4], true).await.unwrap();
    let created = admin
        .add_group(&json!({ "displayName": "New Group", "members": [uid[0], uid[1]] }))
        .await
        .unwrap();
    let created_id = created["id"].as_str().unwrap().to_string();
    // A deleted user leaves every group it was in.
    let g5 = admin.group(&gid[5]).await.unwrap();
    let deleted_user = members_of(&g5)[0].clone();
    admin.remove_user(&deleted_user).await.unwrap();

    let (changes, last, _) = all_pages(&h, &token, &delta).await;
    let by_id: HashMap<String, &Value> = changes
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    assert_eq!(
        members_delta(by_id[&gid[0]]),
        HashMap::from([(newcomer.clone(), false)])
    );
    assert_eq!(
        members_delta(by_id[&gid[1]]),
        HashMap::from([(leaver.clone(), true)])
    );
    assert_eq!(by_id[&gid[2]]["displayName"], "Renamed Group");
    assert!(by_id[&gid[2]].get("members@delta").is_none());
    assert_eq!(by_id[&gid[3]]["@removed"], json!({ "reason": "changed" }));
    assert_eq!(by_id[&gid[4]]["@removed"], json!({ "reason": "deleted" }));
    assert_eq!(by_id[&created_id]["displayName"], "New Group");
    assert_eq!(
        members_delta(by_id[&created_id]),
        HashMap::from([(uid[0].clone(), false), (uid[1].clone(), false)])
    );
    assert_eq!(
        members_delta(by_id[&gid[5]]).get(&deleted_user),
        Some(&true),
        "{}",
        by_id[&gid[5]]
    );
    let (status, _) = h
        .get_json(&format!("/v1.0/groups/{}", gid[3]), &token)
        .await;
    assert_eq!(status, 404);

    let delta = last["@odata.deltaLink"].as_str().unwrap();
    assert!(all_pages(&h, &token, delta).await.0.is_empty());
}

#[tokio::test]
async fn delta_is_served_under_its_odata_spellings_and_latest_skips_the_full_sync() {
    let h = InProcess::start(60).await.unwrap();
    let token = h.token().await;
    let plain = all_pages(&h, &token, "/v1.0/groups/delta?$select=id")
        .await
        .0;
    assert_eq!(plain.len(), 6);
    for form in ["delta()", "microsoft.graph.delta()"] {
        let items = all_pages(&h, &token, &format!("/v1.0/groups/{form}?$select=id"))
            .await
            .0;
        assert_eq!(ids(&items), ids(&plain), "{form}");
    }
    let (status, latest) = h
        .get_json("/v1.0/groups/delta?$deltatoken=latest", &token)
        .await;
    assert_eq!(status, 200);
    assert!(latest["value"].as_array().unwrap().is_empty());
    let link = latest["@odata.deltaLink"].as_str().unwrap();
    assert!(link.contains("/v1.0/groups/delta?"), "{link}");
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["groups-delta"], 4, "{stats}");
}

#[tokio::test]
async fn groups_need_a_group_role_and_users_a_user_role() {
    let h = InProcess::start(20).await.unwrap();
    let token_with = |roles: Value| {
        let admin = h.admin().clone();
        async move {
            admin
                .token(&json!({ "claims": { "roles": roles } }))
                .await
                .unwrap()["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let users_only = token_with(json!(["User.Read.All"])).await;
    let groups_only = token_with(json!(["GroupMember.Read.All"])).await;
    for path in ["/v1.0/groups", "/v1.0/groups/delta"] {
        let (status, body) = h.get_json(path, &users_only).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
        assert_eq!(h.get_json(path, &groups_only).await.0, 200, "{path}");
    }
    assert_eq!(h.get_json("/v1.0/users", &groups_only).await.0, 403);
    assert_eq!(h.get_json("/v1.0/users", &users_only).await.0, 200);
    // The consented app gets both.
    assert_eq!(h.get_json("/v1.0/groups", &h.token().await).await.0, 200);
}

#[tokio::test]
async fn group_changes_survive_a_restart_and_delta_links_stay_valid() {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut config = entrad_testkit::config(dir.path(), 50);
    config.in_memory = false;
    let first = InProcess::start_with(config.clone(), entrad_testkit::state_dir().unwrap())
        .await
        .unwrap();
    let token = first.token().await;
    let groups = ids(&all_pages(&first, &token, "/v1.0/groups").await.0);
    assert_eq!(groups.len(), 5);
    let admin = first.admin();
    let kept = admin.group(&groups[0]).await.unwrap();
    let leaver = kept["members"][0].as_str().unwrap().to_string();
    admin.remove_member(&groups[0], &leaver).await.unwrap();
    admin.remove_group(&groups[1], true).await.unwrap();
    let created = admin
        .add_group(&json!({ "displayName": "Survivor", "members": [leaver] }))
        .await
        .unwrap();
    let (_, latest) = first
        .get_json("/v1.0/groups/delta?$deltatoken=latest", &token)
        .await;
    let link = latest["@odata.deltaLink"].as_str().unwrap().to_string();
    let before: Vec<Value> = vec![
        admin.group(&groups[0]).await.unwrap(),
        admin.group(created["id"].as_str().unwrap()).await.unwrap(),
    ];
    first.stop().await;

    let second = InProcess::start_with(config, entrad_testkit::state_dir().unwrap())
        .await
        .unwrap();
    let admin = second.admin();
    let after: Vec<Value> = vec![
        admin.group(&groups[0]).await.unwrap(),
        admin.group(created["id"].as_str().unwrap()).await.unwrap(),
    ];
    assert_eq!(after, before);
    assert!(admin.group(&groups[1]).await.is_err(), "stays deleted");
    let token = second.token().await;
    let link = link.replace(&first_base(&link), &second.url(""));
    let (changes, _, _) = all_pages(&second, &token, &link).await;
    assert!(changes.is_empty(), "{changes:?}");
}

/// `https://127.0.0.1:PORT` of a link.
fn first_base(link: &str) -> String {
    link.split("/v1.0/").next().unwrap().to_string()
}

/// `POST /directoryObjects/{id}/checkMemberGroups` (what `az ad group member check`
/// sends): the ids given of the groups the user is in, in their order; a user role
/// and a group role needed; at most 20 ids; an unknown user 404.
#[tokio::test]
async fn check_member_groups_answers_which_given_groups_a_user_is_in() {
    let h = InProcess::start(20).await.unwrap();
    let token = h.token().await;
    let (_, groups) = h.get_json("/v1.0/groups?$select=id", &token).await;
    let group = groups["value"][0]["id"].as_str().unwrap().to_owned();
    let other = groups["value"][1]["id"].as_str().unwrap().to_owned();
    let (_, members) = h
        .get_json(&format!("/v1.0/groups/{group}/members?$select=id"), &token)
        .await;
    let member = members["value"][0]["id"].as_str().unwrap().to_owned();
    let (_, others) = h
        .get_json(
            &format!("/v1.0/groups/{other}/members?$select=id&$top=999"),
            &token,
        )
        .await;
    let in_other = others["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == member.as_str());
    let post = |path: String, token: String, body: serde_json::Value| {
        let (client, url) = (h.client.clone(), h.url(&path));
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let ids =
        serde_json::json!({ "groupIds": [other, "00000000-0000-4000-8000-000000000000", group] });
    let (status, body) = post(
        format!("/v1.0/directoryObjects/{member}/checkMemberGroups"),
        token.clone(),
        ids.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#Collection(Edm.String)")
    );
    let mut expected = Vec::new();
    if in_other {
        expected.push(other.clone());
    }
    expected.push(group.clone());
    assert_eq!(body["value"], serde_json::json!(expected), "{body}");
    let (status, _) = post(
        format!("/v1.0/users/{member}/checkMemberGroups"),
        token.clone(),
        ids.clone(),
    )
    .await;
    assert_eq!(status, 200);

    let unconsented = h.token_from("parameters-unconsented.json").await;
    let path = format!("/v1.0/directoryObjects/{member}/checkMemberGroups");
    assert_eq!(post(path.clone(), unconsented, ids.clone()).await.0, 403);
    let many: Vec<String> = (0..21).map(|_| group.clone()).collect();
    let (status, body) = post(path, token.clone(), serde_json::json!({ "groupIds": many })).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(
        "/v1.0/directoryObjects/00000000-0000-4000-8000-000000000000/checkMemberGroups".into(),
        token,
        ids,
    )
    .await;
    assert_eq!(status, 404, "{body}");
}
