//! `$orderby` on `/v1.0/users` as Graph sorts directory objects: the default
//! properties, the advanced-query ones, the refusals in Graph's words, stable paging
//! under an ordering, and the combinations with `$filter`, `$search`, `$count`, `$top`.

use std::collections::HashSet;

use entrad_testkit::InProcess;
use serde_json::{Value, json};

/// Every page from `path` (with `ConsistencyLevel: eventual` when asked), following
/// nextLinks; the users' `(displayName, id)` and the pages' count.
async fn all_pages(
    h: &InProcess,
    token: &str,
    path: &str,
    eventual: bool,
) -> (Vec<(String, String)>, usize) {
    let (mut url, mut users, mut pages) = (h.url(path), Vec::new(), 0);
    loop {
        let mut request = h.client.get(&url).bearer_auth(token);
        if eventual {
            request = request.header("ConsistencyLevel", "eventual");
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let body: Value = response.json().await.unwrap();
        pages += 1;
        for u in body["value"].as_array().unwrap() {
            users.push((
                u["displayName"].as_str().unwrap_or_default().to_owned(),
                u["id"].as_str().unwrap().to_owned(),
            ));
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => return (users, pages),
        }
    }
}

fn sorted_case_insensitively(users: &[(String, String)]) -> Vec<(String, String)> {
    let mut sorted = users.to_vec();
    sorted.sort_by_key(|(name, id)| (name.to_lowercase(), id.clone()));
    sorted
}

async fn refusal(h: &InProcess, token: &str, path: &str, eventual: bool) -> (u16, String, String) {
    let mut request = h.client.get(h.url(path)).bearer_auth(token);
    if eventual {
        request = request.header("ConsistencyLevel", "eventual");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn display_name_sorts_without_advanced_parameters_across_pages() {
    let h = InProcess::start(260).await.unwrap();
    let token = h.token().await;
    let (users, pages) = all_pages(
        &h,
        &token,
        "/v1.0/users?$select=displayName,id,mail&$top=25&$orderby=displayName",
        false,
    )
    .await;
    assert_eq!(pages, 11);
    assert_eq!(users.len(), 260);
    assert_eq!(
        users.iter().map(|u| &u.1).collect::<HashSet<_>>().len(),
        260
    );
    assert_eq!(users, sorted_case_insensitively(&users));

    let (desc, _) = all_pages(
        &h,
        &token,
        "/v1.0/users?$orderby=displayName%20desc&$top=100",
        false,
    )
    .await;
    let mut reversed = sorted_case_insensitively(&users);
    reversed.reverse();
    assert_eq!(desc, reversed);

    // userPrincipalName is the other default sort property; the nextLink keeps $orderby.
    let (status, body) = h
        .get_json(
            "/v1.0/users?$orderby=userPrincipalName&$top=3&$select=userPrincipalName",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let upns: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    let mut sorted = upns.clone();
    sorted.sort_by_key(|u| u.to_lowercase());
    assert_eq!(upns, sorted);
    assert!(
        body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$orderby=userPrincipalName")
    );
}

#[tokio::test]
async fn pages_continue_from_the_position_when_users_change_between_them() {
    let h = InProcess::start(30).await.unwrap();
    let token = h.token().await;
    let (status, first) = h
        .get_json(
            "/v1.0/users?$orderby=displayName&$top=20&$select=id,displayName",
            &token,
        )
        .await;
    assert_eq!(status, 200);
    let served: Vec<&str> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    // One that sorts first and one that sorts last arrive; one already served leaves.
    for (upn, name) in [
        ("aaa@contoso.com", "AAA First"),
        ("zzz@contoso.com", "zzz Last"),
    ] {
        h.admin()
            .request(
                reqwest::Method::POST,
                "/users",
                Some(&json!({ "userPrincipalName": upn, "displayName": name })),
            )
            .await
            .unwrap();
    }
    h.admin().remove_user(served[0]).await.unwrap();
    let next = first["@odata.nextLink"].as_str().unwrap();
    let (status, second) = h
        .get_json(next.strip_prefix(&h.base).unwrap(), &token)
        .await;
    assert_eq!(status, 200, "{second}");
    let rest: Vec<&str> = second["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    // The 10 not yet served, then the newcomer sorting last; nothing served twice.
    assert_eq!(rest.len(), 11, "{rest:?}");
    assert_eq!(rest[10], "zzz Last");
    for u in second["value"].as_array().unwrap() {
        assert!(!served.contains(&u["id"].as_str().unwrap()));
    }
    // A skiptoken of another query is Graph's expired page token.
    let unsorted = next.replace("$orderby=displayName&", "");
    let (status, body) = h
        .get_json(unsorted.strip_prefix(&h.base).unwrap(), &token)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("Directory_ExpiredPageToken")),
        "{body}"
    );
}

#[tokio::test]
async fn advanced_properties_and_combinations_follow_graphs_rules() {
    let h = InProcess::start(30).await.unwrap();
    let token = h.token().await;
    let unsupported = "Request_UnsupportedQuery";
    // createdDateTime: only in advanced queries.
    assert_eq!(
        refusal(
            &h,
            &token,
            "/v1.0/users?$orderby=createdDateTime%20desc",
            false
        )
        .await,
        (
            400,
            unsupported.into(),
            "Unsupported sort property 'createdDateTime' for 'User'.".into()
        )
    );
    assert_eq!(
        h.get_json("/v1.0/users?$orderby=createdDateTime&$count=true", &token)
            .await
            .0,
        400
    );
    let response = h
        .client
        .get(h.url("/v1.0/users?$orderby=createdDateTime&$count=true"))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["@odata.count"], 30);
    // A property Graph does not sort users by, without and with advanced parameters.
    assert_eq!(
        refusal(&h, &token, "/v1.0/users?$orderby=jobTitle", false).await,
        (
            400,
            unsupported.into(),
            "Unsupported sort property 'jobTitle' for 'User'.".into()
        )
    );
    assert_eq!(
        refusal(
            &h,
            &token,
            "/v1.0/users?$orderby=jobTitle&$count=true",
            true
        )
        .await,
        (
            400,
            unsupported.into(),
            "An unsupported property was specified.".into()
        )
    );
    assert_eq!(
        refusal(&h, &token, "/v1.0/users?$orderby=shoeSize", false).await,
        (
            400,
            "Request_BadRequest".into(),
            "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.".into()
        )
    );
    // $filter with $orderby: advanced only (the error the issue quotes), then sorted.
    let path = "/v1.0/users?$filter=startswith(displayName,'A')&$orderby=displayName&$select=id,displayName&$top=2";
    assert_eq!(
        refusal(&h, &token, path, false).await,
        (
            400,
            unsupported.into(),
            "Sorting not supported for current query.".into()
        )
    );
    assert_eq!(
        refusal(&h, &token, path, true).await.2,
        "Sorting not supported for current query."
    );
    let (users, _) = all_pages(&h, &token, &format!("{path}&$count=true"), true).await;
    assert!(!users.is_empty());
    assert!(users.iter().all(|(name, _)| name.starts_with('A')));
    assert_eq!(users, sorted_case_insensitively(&users));
    // $search with $orderby needs ConsistencyLevel only.
    let (users, _) = all_pages(
        &h,
        &token,
        "/v1.0/users?$search=%22displayName:a%22&$orderby=displayName%20desc",
        true,
    )
    .await;
    let mut reversed = sorted_case_insensitively(&users);
    reversed.reverse();
    assert_eq!(users, reversed);
    // The driver's first query, verbatim from the issue.
    assert_eq!(
        h.get_json(
            "/v1.0/users?$select=displayName,id,mail&$top=25&$orderby=displayName",
            &token
        )
        .await
        .0,
        200
    );
}
