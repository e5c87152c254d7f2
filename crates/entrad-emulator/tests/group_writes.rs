//! Graph's group writes (`POST /v1.0/groups`, `PATCH`/`DELETE /v1.0/groups/{id}`, the
//! members' `$ref`): 403 without a write role, then seen by reads.

use entrad_emulator::CONSENTED_CLIENT_ID;
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

fn new_group() -> Value {
    json!({
        "displayName": "Written Group",
        "mailEnabled": false,
        "mailNickname": "written-group",
        "securityEnabled": true,
    })
}

async fn member_ids(h: &InProcess, group: &str, token: &str) -> Vec<String> {
    let (status, body) = h
        .get_json(&format!("/v1.0/groups/{group}/members?$select=id"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn group_writes_need_a_write_role() {
    let h = InProcess::start(5).await.unwrap();
    let token = h.token().await;
    let (status, body) = h
        .request_json(Method::POST, "/v1.0/groups", &token, Some(new_group()))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    let (status, made) = h
        .admin_request(
            Method::POST,
            "/groups",
            Some(json!({ "displayName": "Admin Made" })),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let group = made["id"].as_str().unwrap().to_string();
    let (_, users) = h.get_json("/v1.0/users", &token).await;
    let user = users["value"][0]["id"].as_str().unwrap().to_string();
    let link =
        json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}") });
    let path = format!("/v1.0/groups/{group}/members/$ref");
    assert_eq!(
        h.request_json(Method::POST, &path, &token, Some(link))
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn create_add_member_remove_member_patch_delete() {
    let h = InProcess::start(5).await.unwrap();
    let (status, body) = h
        .admin_request(
            Method::POST,
            "/consent",
            Some(json!({
                "client_id": CONSENTED_CLIENT_ID,
                "granted": true,
                "roles": ["User.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All"],
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = h.token().await;

    let mut missing = new_group();
    missing.as_object_mut().unwrap().remove("mailNickname");
    let (status, body) = h
        .request_json(Method::POST, "/v1.0/groups", &token, Some(missing))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "A value is required for property 'mailNickname' of resource 'Group'."
    );

    let (status, created) = h
        .request_json(Method::POST, "/v1.0/groups", &token, Some(new_group()))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["displayName"], "Written Group");
    let group = created["id"].as_str().unwrap().to_string();
    assert!(member_ids(&h, &group, &token).await.is_empty());

    let (_, users) = h.get_json("/v1.0/users", &token).await;
    let user = users["value"][0]["id"].as_str().unwrap().to_string();
    let link =
        json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}") });
    let refs = format!("/v1.0/groups/{group}/members/$ref");
    let (status, body) = h
        .request_json(Method::POST, &refs, &token, Some(link.clone()))
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(member_ids(&h, &group, &token).await, vec![user.clone()]);
    let (status, body) = h
        .request_json(Method::POST, &refs, &token, Some(link))
        .await;
    assert_eq!(status, 400, "{body}");

    let member = format!("/v1.0/groups/{group}/members/{user}/$ref");
    assert_eq!(
        h.request_json(Method::DELETE, &member, &token, None)
            .await
            .0,
        204
    );
    assert!(member_ids(&h, &group, &token).await.is_empty());
    assert_eq!(
        h.request_json(Method::DELETE, &member, &token, None)
            .await
            .0,
        404
    );

    let path = format!("/v1.0/groups/{group}");
    let patch = Some(json!({ "description": "Patched" }));
    assert_eq!(
        h.request_json(Method::PATCH, &path, &token, patch).await.0,
        204
    );
    let (_, fetched) = h.get_json(&path, &token).await;
    assert_eq!(fetched["description"], "Patched");

    assert_eq!(
        h.request_json(Method::DELETE, &path, &token, None).await.0,
        204
    );
    assert_eq!(h.get_json(&path, &token).await.0, 404);
}
