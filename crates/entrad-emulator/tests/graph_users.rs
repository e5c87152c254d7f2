//! Graph `/v1.0/users`, `/v1.0/users/{id}`, `/v1.0/users/$count`: query options,
//! paging, and the 400/401/403/404 answers.

use std::collections::HashSet;

use entrad_emulator::UNCONSENTED_CLIENT_ID;
use entrad_testkit::InProcess;
use serde_json::{Value, json};

const DEFAULT_PROPS: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

fn graph_error(body: &Value) -> (&str, &str) {
    let e = &body["error"];
    assert!(e["innerError"]["request-id"].is_string(), "{body}");
    assert!(e["innerError"]["date"].is_string(), "{body}");
    (e["code"].as_str().unwrap(), e["message"].as_str().unwrap())
}

#[tokio::test]
async fn first_page_has_default_properties_context_headers_and_next_link() {
    let h = InProcess::start(250).await.unwrap();
    let token = h.token().await;
    let response = h
        .client
        .get(h.url("/v1.0/users"))
        .bearer_auth(&token)
        .header("client-request-id", "cafe")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["client-request-id"], "cafe");
    assert!(response.headers().contains_key("request-id"));
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json;odata.metadata=minimal")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["@odata.context"], h.url("/v1.0/$metadata#users"));
    let users = body["value"].as_array().unwrap();
    assert_eq!(users.len(), 100);
    let keys: Vec<&str> = users[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = DEFAULT_PROPS.to_vec();
    expected.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, expected);
    let next = body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&h.url("/v1.0/users?$skiptoken=")),
        "{next}"
    );
    assert!(body.get("@odata.count").is_none());
}

#[tokio::test]
async fn paging_by_next_link_lists_every_user_once_keeping_options() {
    let h = InProcess::start(1001).await.unwrap();
    let token = h.token().await;
    let mut url = h.url("/v1.0/users?$top=999&$select=id,displayName");
    let (mut ids, mut pages) = (HashSet::new(), 0);
    loop {
        let response = h.client.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["@odata.context"],
            h.url("/v1.0/$metadata#users(id,displayName)")
        );
        for user in body["value"].as_array().unwrap() {
            assert_eq!(user.as_object().unwrap().len(), 2);
            assert!(ids.insert(user["id"].as_str().unwrap().to_string()));
        }
        pages += 1;
        match body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.contains("$top=999") && next.contains("$select=id,displayName"),
                    "{next}"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!((ids.len(), pages), (1001, 2));
}

#[tokio::test]
async fn top_outside_1_to_999_is_refused_as_graph_does() {
    let h = InProcess::start(3).await.unwrap();
    let token = h.token().await;
    for top in ["1000", "0", "-1"] {
        let (status, body) = h.get_json(&format!("/v1.0/users?$top={top}"), &token).await;
        assert_eq!(status, 400);
        let (code, message) = graph_error(&body);
        assert_eq!(code, "Request_UnsupportedQuery");
        assert_eq!(
            message,
            format!("Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.")
        );
    }
    let (status, body) = h.get_json("/v1.0/users?$top=abc", &token).await;
    assert_eq!(status, 400);
    assert_eq!(graph_error(&body).0, "BadRequest");
    let (status, body) = h.get_json("/v1.0/users?$top=1", &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn select_filter_search_and_bad_options() {
    let h = InProcess::start(300).await.unwrap();
    let token = h.token().await;
    let (_, all) = h.get_json("/v1.0/users?$top=999", &token).await;
    let all = all["value"].as_array().unwrap().clone();
    let target = &all[17];
    let upn = target["userPrincipalName"].as_str().unwrap();
    // eq is case-insensitive.
    let (status, body) = h
        .get_json(
            &format!(
                "/v1.0/users?$filter=userPrincipalName eq '{}'",
                upn.to_uppercase()
            ),
            &token,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    assert_eq!(body["value"][0]["id"], target["id"]);
    // startswith.
    let prefix = &target["displayName"].as_str().unwrap()[..3];
    let expected = all
        .iter()
        .filter(|u| {
            u["displayName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .starts_with(&prefix.to_lowercase())
        })
        .count();
    let (_, body) = h
        .get_json(
            &format!("/v1.0/users?$top=999&$filter=startswith(displayName,'{prefix}')"),
            &token,
        )
        .await;
    assert_eq!(body["value"].as_array().unwrap().len(), expected);
    // Unknown property in $select / $filter, bad syntax, $skip, unknown option.
    let (status, body) = h.get_json("/v1.0/users?$select=shoeSize", &token).await;
    assert_eq!(status, 400);
    assert_eq!(
        graph_error(&body),
        (
            "Request_BadRequest",
            "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."
        )
    );
    let (status, body) = h
        .get_json("/v1.0/users?$filter=shoeSize eq 'x'", &token)
        .await;
    assert_eq!(status, 400);
    assert_eq!(graph_error(&body).0, "Request_UnsupportedQuery");
    let (status, _) = h
        .get_json("/v1.0/users?$filter=displayName eqq 'x'", &token)
        .await;
    assert_eq!(status, 400);
    let (status, _) = h.get_json("/v1.0/users?$skip=2", &token).await;
    assert_eq!(status, 400);
    let (status, _) = h.get_json("/v1.0/users?$foo=2", &token).await;
    assert_eq!(status, 400);
    // Advanced queries need ConsistencyLevel: eventual and $count=true.
    let (status, body) = h
        .get_json("/v1.0/users?$filter=displayName ne 'x'", &token)
        .await;
    assert_eq!(
        (status, graph_error(&body).0),
        (400, "Request_UnsupportedQuery")
    );
    let response = h
        .client
        .get(h.url("/v1.0/users?$filter=endswith(mail,'.onmicrosoft.com')&$count=true&$top=999"))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let with_mail = all.iter().filter(|u| u["mail"].is_string()).count();
    assert_eq!(body["@odata.count"], with_mail);
    // $search.
    let word = target["surname"].as_str().unwrap();
    let response = h
        .client
        .get(h.url(&format!(
            "/v1.0/users?$search=\"displayName:{word}\"&$top=999"
        )))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == target["id"])
    );
    let (status, body) = h
        .get_json("/v1.0/users?$search=\"displayName:a\"", &token)
        .await;
    assert_eq!(
        (status, graph_error(&body).0),
        (400, "Request_UnsupportedQuery")
    );
}

/// Advanced query capabilities, "Error handling for advanced queries": without
/// `ConsistencyLevel: eventual`, `$count=true` is silently ignored (200, no
/// `@odata.count`) and the `$count` segment is refused with the page's code and message.
#[tokio::test]
async fn count_needs_consistency_level_eventual() {
    let h = InProcess::start(123).await.unwrap();
    let token = h.token().await;
    let (status, body) = h.get_json("/v1.0/users?$count=true", &token).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("@odata.count").is_none(), "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 100);
    assert!(
        body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$count=true")
    );
    let count = |path: &str| {
        let (client, url, token) = (h.client.clone(), h.url(path), token.clone());
        async move {
            let r = client
                .get(url)
                .bearer_auth(token)
                .header("ConsistencyLevel", "eventual")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r
        }
    };
    let body: Value = count("/v1.0/users?$count=true&$top=10")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["@odata.count"], 123);
    let next = body["@odata.nextLink"].as_str().unwrap().to_string();
    let response = h.client.get(next).bearer_auth(&token).send().await.unwrap();
    let second: Value = response.json().await.unwrap();
    assert!(
        second["value"].is_array(),
        "following the nextLink without the header still works"
    );
    assert!(
        second.get("@odata.count").is_none(),
        "count on the first page only"
    );
    let raw = count("/v1.0/users/$count").await;
    assert!(
        raw.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(raw.text().await.unwrap(), "123");
    let (status, body) = h.get_json("/v1.0/users/$count", &token).await;
    assert_eq!(
        (status, graph_error(&body)),
        (
            400,
            ("Request_BadRequest", "$count is not currently supported.")
        )
    );
    // Advanced filters still need both: the header and $count=true.
    let (status, body) = h
        .get_json("/v1.0/users?$filter=displayName ne 'x'&$count=true", &token)
        .await;
    assert_eq!(
        (status, graph_error(&body).0),
        (400, "Request_UnsupportedQuery")
    );
}

#[tokio::test]
async fn one_user_by_id_or_upn_and_404() {
    let h = InProcess::start(10).await.unwrap();
    let token = h.token().await;
    let (_, list) = h.get_json("/v1.0/users", &token).await;
    let first = &list["value"][0];
    let id = first["id"].as_str().unwrap();
    let (status, body) = h.get_json(&format!("/v1.0/users/{id}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["@odata.context"],
        h.url("/v1.0/$metadata#users/$entity")
    );
    assert_eq!(body["userPrincipalName"], first["userPrincipalName"]);
    let upn = first["userPrincipalName"].as_str().unwrap();
    let (status, body) = h
        .get_json(&format!("/v1.0/users/{upn}?$select=id,jobTitle"), &token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], id);
    assert_eq!(
        body["@odata.context"],
        h.url("/v1.0/$metadata#users(id,jobTitle)/$entity")
    );
    assert_eq!(body.as_object().unwrap().len(), 3);
    let missing = "00000000-0000-4000-8000-000000000000";
    let (status, body) = h.get_json(&format!("/v1.0/users/{missing}"), &token).await;
    assert_eq!(status, 404);
    assert_eq!(
        graph_error(&body),
        (
            "Request_ResourceNotFound",
            "Resource '00000000-0000-4000-8000-000000000000' does not exist or one of its queried reference-property objects are not present."
        )
    );
    let (status, body) = h.get_json("/v1.0/devices", &token).await;
    assert_eq!(
        (status, graph_error(&body)),
        (
            400,
            (
                "BadRequest",
                "Resource not found for the segment 'devices'."
            )
        )
    );
    // POST creates users now (`user_writes`); PUT is still served by no route.
    let put = h
        .client
        .put(h.url("/v1.0/users"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["user"], 3);
}

#[tokio::test]
async fn bearer_checks_answer_401_and_403_as_graph() {
    let h = InProcess::start(2).await.unwrap();
    let unauthorized = |response: reqwest::Response, message: &'static str| async move {
        assert_eq!(response.status(), 401);
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            challenge.starts_with("Bearer realm=\"\", authorization_uri="),
            "{challenge}"
        );
        assert!(challenge.contains("client_id=\"00000003-0000-0000-c000-000000000000\""));
        let body: Value = response.json().await.unwrap();
        assert_eq!(graph_error(&body), ("InvalidAuthenticationToken", message));
    };
    unauthorized(
        h.client.get(h.url("/v1.0/users")).send().await.unwrap(),
        "Access token is empty.",
    )
    .await;
    unauthorized(
        h.get("/v1.0/users", "garbage").await,
        "CompactToken parsing failed with error code: 80049217",
    )
    .await;
    let mint = |claims: Value| {
        let h = &h;
        async move {
            let (status, body) = h
                .admin_request(
                    reqwest::Method::POST,
                    "/token",
                    Some(json!({ "claims": claims })),
                )
                .await;
            assert_eq!(status, 200);
            body["access_token"].as_str().unwrap().to_string()
        }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expired = mint(json!({ "exp": now - 3600, "nbf": now - 7200, "iat": now - 7200 })).await;
    unauthorized(
        h.get("/v1.0/users", &expired).await,
        "Lifetime validation failed, the token is expired.",
    )
    .await;
    let foreign = mint(json!({ "aud": "https://vault.azure.net" })).await;
    unauthorized(
        h.get("/v1.0/users", &foreign).await,
        "Access token validation failure. Invalid audience.",
    )
    .await;
    let token = h.token().await;
    let (input, _) = token.rsplit_once('.').unwrap();
    unauthorized(
        h.get("/v1.0/users", &format!("{input}.AAAA")).await,
        "Access token validation failure. Invalid signature.",
    )
    .await;
    // Token without roles: 403.
    let no_roles = h.token_from("parameters-unconsented.json").await;
    for path in ["/v1.0/users", "/v1.0/users/delta", "/v1.0/users/x"] {
        let (status, body) = h.get_json(path, &no_roles).await;
        assert_eq!(status, 403);
        assert_eq!(
            graph_error(&body),
            (
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation."
            )
        );
    }
    let other_role = mint(json!({ "appid": UNCONSENTED_CLIENT_ID, "roles": ["Mail.Read"] })).await;
    assert_eq!(h.get("/v1.0/users", &other_role).await.status(), 403);
    let directory = mint(json!({ "roles": ["Directory.Read.All"] })).await;
    assert_eq!(h.get("/v1.0/users", &directory).await.status(), 200);
}

/// List users and Get user support `$expand`; List manager:
/// `$expand=manager($levels=max;$select=id,displayName)`. Generated users report to
/// one another (the first in id order heads the chart); the chain ends there.
#[tokio::test]
async fn expand_manager_on_lists_and_single_users() {
    let h = InProcess::start(40).await.unwrap();
    let token = h.token().await;
    let (status, body) = h.get_json("/v1.0/users?$expand=manager", &token).await;
    assert_eq!(status, 200, "{body}");
    let users = body["value"].as_array().unwrap();
    let with_manager: Vec<&Value> = users
        .iter()
        .filter(|u| u.get("manager").is_some())
        .collect();
    assert_eq!(
        with_manager.len(),
        39,
        "every user but the head has a manager"
    );
    let ids: HashSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    for user in &with_manager {
        let manager = &user["manager"];
        assert_eq!(manager["@odata.type"], "#microsoft.graph.user");
        assert!(ids.contains(manager["id"].as_str().unwrap()));
        assert!(manager["userPrincipalName"].is_string(), "{manager}");
        assert!(
            manager.get("manager").is_none(),
            "one level without $levels"
        );
    }
    // The deepest user's whole chain, with $select inside the expansion.
    let deepest = users.last().unwrap()["id"].as_str().unwrap();
    let (status, one) = h
        .get_json(
            &format!(
                "/v1.0/users/{deepest}?$select=id&$expand=manager($levels=max;$select=id,displayName)"
            ),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{one}");
    let (mut level, mut chain) = (&one["manager"], 0);
    while level.is_object() {
        let keys: HashSet<&str> = level
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            keys.is_subset(&HashSet::from([
                "@odata.type",
                "id",
                "displayName",
                "manager"
            ])),
            "{level}"
        );
        let (_, direct) = h
            .get_json(
                &format!(
                    "/v1.0/users/{}?$expand=manager",
                    level["id"].as_str().unwrap()
                ),
                &token,
            )
            .await;
        assert_eq!(direct["manager"]["id"], level["manager"]["id"]);
        chain += 1;
        level = &level["manager"];
    }
    assert_eq!(
        chain, 2,
        "40 users, eight reports each: two levels above the last"
    );
    // Other navigation properties are not served; names a user lacks are unknown.
    let (status, body) = h.get_json("/v1.0/users?$expand=memberOf", &token).await;
    assert_eq!(
        (status, graph_error(&body).0),
        (400, "Request_UnsupportedQuery")
    );
    let (status, body) = h.get_json("/v1.0/users?$expand=boss", &token).await;
    assert_eq!(
        (status, graph_error(&body)),
        (
            400,
            (
                "Request_BadRequest",
                "Could not find a property named 'boss' on type 'microsoft.graph.user'."
            )
        )
    );
}

/// Properties that exist but are not returned by default or not in lists are answered
/// as Graph answers them, never as unknown: List users' 501 for single-user-only
/// properties (served null or empty on Get user), the premium licence's 403 for
/// signInActivity, null for kept-nowhere properties (and filterable, where the
/// advanced query page says so).
#[tokio::test]
async fn real_properties_are_never_answered_as_unknown() {
    let h = InProcess::start(5).await.unwrap();
    let token = h.token().await;
    let (status, body) = h.get_json("/v1.0/users?$select=aboutMe", &token).await;
    assert_eq!(
        (status, graph_error(&body)),
        (
            501,
            (
                "NotImplemented",
                "This operation target is not yet supported."
            )
        )
    );
    let (_, list) = h.get_json("/v1.0/users", &token).await;
    let id = list["value"][0]["id"].as_str().unwrap();
    let (status, one) = h
        .get_json(
            &format!("/v1.0/users/{id}?$select=id,aboutMe,skills,birthday"),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(
        (&one["aboutMe"], &one["skills"], &one["birthday"]),
        (&Value::Null, &json!([]), &Value::Null)
    );
    for path in [
        "/v1.0/users?$select=displayName,signInActivity".to_string(),
        format!("/v1.0/users/{id}?$select=signInActivity"),
        "/v1.0/users?$filter=signInActivity/lastSignInDateTime le 2019-02-01T00:00:00Z".to_string(),
    ] {
        let (status, body) = h.get_json(&path, &token).await;
        assert_eq!(
            (status, graph_error(&body)),
            (
                403,
                (
                    "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                    "Neither tenant is B2C or tenant doesn't have premium license"
                )
            ),
            "{path}"
        );
    }
    let (status, body) = h
        .get_json(
            "/v1.0/users?$select=id,employeeHireDate,identities,city",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"][0]["employeeHireDate"], Value::Null);
    assert_eq!(body["value"][0]["identities"], json!([]));
    for filter in [
        "city eq 'Paris'",
        "country in ('FR','DE')",
        "createdDateTime ge 2021-01-01T00:00:00Z",
        "userType eq 'Member'",
        "businessPhones/any(p:p eq '+1 425 555 0100')",
    ] {
        let (status, body) = h
            .get_json(&format!("/v1.0/users?$filter={filter}"), &token)
            .await;
        assert_eq!(status, 200, "{filter}: {body}");
    }
}

/// The advanced query page's table ("Support for filter by properties"): operators
/// served by default, only with the advanced query parameters, or not at all.
#[tokio::test]
async fn filter_operators_follow_the_advanced_query_table() {
    let h = InProcess::start(200).await.unwrap();
    let token = h.token().await;
    let advanced = |path: String| {
        let (client, url, token) = (h.client.clone(), h.url(&path), token.clone());
        async move {
            let r = client
                .get(url)
                .bearer_auth(token)
                .header("ConsistencyLevel", "eventual")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // The page's own example, refused with its message.
    let (status, body) = h
        .get_json(
            "/v1.0/users?$filter=endsWith(userPrincipalName,'%23EXT%23@contoso.com')",
            &token,
        )
        .await;
    assert_eq!(
        (status, graph_error(&body)),
        (
            400,
            (
                "Request_UnsupportedQuery",
                "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
            )
        )
    );
    // endsWith: mail, otherMails, userPrincipalName and proxyAddresses only.
    let (status, body) =
        advanced("/v1.0/users?$filter=endsWith(displayName,'e')&$count=true".into()).await;
    assert_eq!(
        (status, graph_error(&body).0),
        (400, "Request_UnsupportedQuery"),
        "{body}"
    );
    // eq on mobilePhone, officeLocation, preferredLanguage is advanced.
    let (status, body) = h
        .get_json("/v1.0/users?$filter=officeLocation eq 'Berlin'", &token)
        .await;
    assert_eq!(
        (status, graph_error(&body).0),
        (400, "Request_UnsupportedQuery")
    );
    let (status, body) =
        advanced("/v1.0/users?$filter=officeLocation eq 'Berlin'&$count=true&$top=999".into())
            .await;
    assert_eq!(status, 200, "{body}");
    let (_, all) = h.get_json("/v1.0/users?$top=999", &token).await;
    let all = all["value"].as_array().unwrap();
    let in_berlin = all
        .iter()
        .filter(|u| u["officeLocation"] == "Berlin")
        .count();
    assert!(in_berlin > 0);
    assert_eq!(body["@odata.count"], in_berlin);
    // ge and le, by default on surname; not on displayName.
    let (status, body) = h
        .get_json(
            "/v1.0/users?$filter=surname ge 'M' and surname le 'Sz'&$top=999",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let expected = all
        .iter()
        .filter(|u| {
            let s = u["surname"].as_str().unwrap().to_lowercase();
            s.as_str() >= "m" && s.as_str() <= "sz"
        })
        .count();
    assert_eq!(body["value"].as_array().unwrap().len(), expected);
    let (status, _) = h
        .get_json("/v1.0/users?$filter=displayName ge 'M'", &token)
        .await;
    assert_eq!(status, 400);
    // Default-indexed properties the emulator keeps nowhere: served, nothing matches.
    for filter in [
        "city eq 'Paris'",
        "startswith(country,'F')",
        "createdDateTime le 2030-01-01T00:00:00Z",
    ] {
        let (status, body) = h
            .get_json(&format!("/v1.0/users?$filter={filter}"), &token)
            .await;
        assert_eq!(status, 200, "{filter}: {body}");
        assert_eq!(body["value"], json!([]), "{filter}");
    }
    let (_, body) = h
        .get_json("/v1.0/users?$filter=userType eq 'Member'&$top=999", &token)
        .await;
    assert_eq!(body["value"].as_array().unwrap().len(), 200);
}
