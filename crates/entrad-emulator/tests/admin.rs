//! The admin API: stats, users, consent, apps; and what survives a restart.

use entrad_emulator::{CONSENTED_CLIENT_ID, UNCONSENTED_CLIENT_ID};
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::json;

/// Grants or revokes admin consent for `client_id`; the admin API's status.
async fn set_consent(h: &InProcess, client_id: &str, granted: bool) -> u16 {
    h.admin_status(
        Method::POST,
        "/consent",
        Some(json!({ "client_id": client_id, "granted": granted })),
    )
    .await
}

#[tokio::test]
async fn stats_count_each_route_and_reset() {
    let h = InProcess::start(2).await.unwrap();
    let token = h.token().await;
    h.get("/v1.0/users", &token).await;
    h.get("/v1.0/users/nobody@x", &token).await;
    let stats = h.stats().await;
    assert_eq!(stats["requests"]["token"], 1);
    assert_eq!(stats["requests"]["users"], 1);
    assert_eq!(stats["requests"]["user"], 1);
    assert_eq!(stats["requests"]["batch"], 0);
    assert_eq!(stats["total"], 3);
    assert_eq!(
        h.admin_status(Method::POST, "/stats/reset", None).await,
        204
    );
    assert_eq!(h.stats().await["total"], 0);
}

#[tokio::test]
async fn users_add_modify_remove_and_their_errors() {
    let h = InProcess::start(2).await.unwrap();
    let token = h.token().await;
    let (status, user) = h
        .admin_request(Method::POST, "/users", Some(json!({ "id": "6a3f0c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b", "userPrincipalName": "ada@entrademo.onmicrosoft.com", "displayName": "Ada", "jobTitle": "Engineer" })))
        .await;
    assert_eq!(status, 201);
    assert_eq!(user["id"], "6a3f0c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b");
    let (status, body) = h
        .get_json("/v1.0/users/ada@entrademo.onmicrosoft.com", &token)
        .await;
    assert_eq!((status, body["jobTitle"].as_str()), (200, Some("Engineer")));
    // Duplicates and invalid users.
    for invalid in [
        json!({ "userPrincipalName": "ADA@entrademo.onmicrosoft.com" }),
        json!({ "userPrincipalName": "no-at-sign" }),
        json!({ "displayName": "no upn" }),
    ] {
        assert_eq!(
            h.admin_status(Method::POST, "/users", Some(invalid)).await,
            400
        );
    }
    // Modify.
    let (status, user) = h
        .admin_request(
            Method::PATCH,
            "/users/ada@entrademo.onmicrosoft.com",
            Some(json!({ "jobTitle": "Director", "mobilePhone": "+1 555" })),
        )
        .await;
    assert_eq!((status, user["jobTitle"].as_str()), (200, Some("Director")));
    for (path, patch, status) in [
        (
            "/users/ada@entrademo.onmicrosoft.com",
            json!({ "shoeSize": 4 }),
            400,
        ),
        (
            "/users/ada@entrademo.onmicrosoft.com",
            json!({ "id": "x" }),
            400,
        ),
        ("/users/nobody@x", json!({ "jobTitle": "x" }), 404),
    ] {
        assert_eq!(
            h.admin_status(Method::PATCH, path, Some(patch)).await,
            status
        );
    }
    let (_, got) = h
        .admin_request(
            Method::GET,
            "/users/6a3f0c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b",
            None,
        )
        .await;
    assert_eq!(got["mobilePhone"], "+1 555");
    // Remove, then again.
    for status in [204, 404] {
        assert_eq!(
            h.admin_status(
                Method::DELETE,
                "/users/6a3f0c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b",
                None
            )
            .await,
            status
        );
    }
    assert_eq!(
        h.get("/v1.0/users/ada@entrademo.onmicrosoft.com", &token)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn consent_revoke_and_grant_change_the_next_tokens() {
    let h = InProcess::start(1).await.unwrap();
    assert_eq!(set_consent(&h, CONSENTED_CLIENT_ID, false).await, 200);
    assert_eq!(h.get("/v1.0/users", &h.token().await).await.status(), 403);
    set_consent(&h, CONSENTED_CLIENT_ID, true).await;
    assert_eq!(h.get("/v1.0/users", &h.token().await).await.status(), 200);
    set_consent(&h, UNCONSENTED_CLIENT_ID, true).await;
    assert_eq!(
        h.get(
            "/v1.0/users",
            &h.token_from("parameters-unconsented.json").await
        )
        .await
        .status(),
        200
    );
    assert_eq!(set_consent(&h, "nope", true).await, 404);
    assert_eq!(
        h.admin_status(Method::POST, "/consent", Some(json!({ "granted": true })))
            .await,
        400
    );
    let (_, apps) = h.admin_request(Method::GET, "/apps", None).await;
    // The three apps and the two managed identities' service principals.
    assert_eq!(apps["apps"].as_array().unwrap().len(), 5);
    assert!(apps["apps"][0]["certificates"][0]["thumbprint"].is_string());
}

#[tokio::test]
async fn state_dir_holds_the_parameters_files_and_survives_restarts() {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut config = entrad_testkit::config(dir.path(), 40);
    config.in_memory = false;
    let first = InProcess::start_with(config.clone(), entrad_testkit::state_dir().unwrap())
        .await
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&first.emulator.ready_line()).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["url"], first.base);
    assert_eq!(ready["tenant_id"], first.emulator.tenant_id());
    assert_eq!(ready["client_id"], CONSENTED_CLIENT_ID);
    assert_eq!(
        ready["ca_file"],
        first.emulator.ca_file().display().to_string()
    );
    let params = first.parameters("parameters.json");
    assert_eq!(
        params.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["authority", "client_id", "endpoint", "scope", "secret"]
    );
    assert_eq!(
        params["authority"],
        format!("{}/{}", first.base, first.emulator.tenant_id())
    );
    assert_eq!(params["endpoint"], format!("{}/v1.0/users", first.base));
    assert_eq!(
        params["scope"],
        json!(["https://graph.microsoft.com/.default"])
    );
    let cert = first.parameters("parameters-certificate.json");
    assert_eq!(cert["thumbprint"].as_str().unwrap().len(), 40);
    assert!(std::path::Path::new(cert["private_key_file"].as_str().unwrap()).is_absolute());
    assert!(std::path::Path::new(cert["certificate_file"].as_str().unwrap()).exists());
    // Change things, restart, check they are still there.
    let token = first.token().await;
    // A generated user (listed before the new one is added, which may sort first).
    let (_, list) = first.get_json("/v1.0/users?$top=1", &token).await;
    let removed = list["value"][0]["id"].as_str().unwrap().to_string();
    first
        .admin_request(
            Method::POST,
            "/users",
            Some(json!({ "userPrincipalName": "kept@entrademo.onmicrosoft.com" })),
        )
        .await;
    first
        .admin_request(Method::DELETE, &format!("/users/{removed}"), None)
        .await;
    set_consent(&first, UNCONSENTED_CLIENT_ID, true).await;
    // Directory roles: the kept user becomes an admin.
    let (status, _) = first
        .admin_request(
            Method::PUT,
            "/users/kept@entrademo.onmicrosoft.com/roles",
            Some(json!({ "roles": ["Privileged Role Administrator"] })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, delta_first) = first
        .get_json("/v1.0/users/delta?$deltatoken=latest", &token)
        .await;
    let delta_link = delta_first["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = params["secret"].clone();
    first.stop().await;

    let second = InProcess::start_with(config.clone(), entrad_testkit::state_dir().unwrap())
        .await
        .unwrap();
    assert_eq!(
        second.parameters("parameters.json")["secret"],
        secret,
        "secrets persist"
    );
    let token = second.token().await;
    assert_eq!(
        second
            .get("/v1.0/users/kept@entrademo.onmicrosoft.com", &token)
            .await
            .status(),
        200
    );
    assert_eq!(
        second
            .get(&format!("/v1.0/users/{removed}"), &token)
            .await
            .status(),
        404
    );
    assert_eq!(
        second
            .get(
                "/v1.0/users",
                &second.token_from("parameters-unconsented.json").await
            )
            .await
            .status(),
        200
    );
    let (_, roles) = second
        .admin_request(
            Method::GET,
            "/users/kept@entrademo.onmicrosoft.com/roles",
            None,
        )
        .await;
    assert_eq!(
        roles["roles"],
        json!(["Privileged Role Administrator"]),
        "roles persist"
    );
    let (_, count) = second.get_json("/v1.0/users?$top=999", &token).await;
    assert_eq!(count["value"].as_array().unwrap().len(), 40);
    // The deltaLink of the first run still works (same sync history).
    let path = delta_link.split_once("/v1.0").unwrap().1;
    let (status, body) = second.get_json(&format!("/v1.0{path}"), &token).await;
    assert_eq!(
        (status, body["value"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    second.stop().await;

    // Other users flags: users are regenerated and the journal dropped.
    let mut other = config.clone();
    other.users = 10;
    let third = InProcess::start_with(other, entrad_testkit::state_dir().unwrap())
        .await
        .unwrap();
    let token = third.token().await;
    let (_, list) = third.get_json("/v1.0/users?$top=999", &token).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 10);
    assert_eq!(
        third
            .get("/v1.0/users/kept@entrademo.onmicrosoft.com", &token)
            .await
            .status(),
        404
    );
    drop(dir);
}

#[tokio::test]
async fn users_from_a_file() {
    let dir = entrad_testkit::state_dir().unwrap();
    let file = dir.path().join("users.json");
    std::fs::write(
        &file,
        json!({ "value": [
            { "userPrincipalName": "a@contoso.test", "displayName": "A", "@odata.type": "#microsoft.graph.user" },
            { "id": "0f9d3a34-52c6-4b8f-8d3e-1a2b3c4d5e6f", "userPrincipalName": "b@contoso.test", "businessPhones": ["+1 1"] }
        ]})
        .to_string(),
    )
    .unwrap();
    let mut config = entrad_testkit::config(dir.path(), 1000);
    config.users_file = Some(file);
    let h = InProcess::start_with(config, dir).await.unwrap();
    let token = h.token().await;
    let (_, list) = h.get_json("/v1.0/users", &token).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 2);
    let (status, b) = h
        .get_json("/v1.0/users/0f9d3a34-52c6-4b8f-8d3e-1a2b3c4d5e6f", &token)
        .await;
    assert_eq!(
        (status, b["businessPhones"].clone()),
        (200, json!(["+1 1"]))
    );
}
