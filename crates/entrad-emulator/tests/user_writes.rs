//! Graph's user writes (`POST /v1.0/users`, `PATCH`/`DELETE /v1.0/users/{id|upn}`):
//! refused with 403 until the app is granted a write role, then seen by reads and delta.

use entrad_emulator::CONSENTED_CLIENT_ID;
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

fn new_user(upn: &str) -> Value {
    json!({
        "accountEnabled": true,
        "displayName": "Written Person",
        "mailNickname": upn.split('@').next().unwrap(),
        "userPrincipalName": upn,
        "passwordProfile": { "forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d" },
    })
}

/// Gives the consented app `User.ReadWrite.All` besides its read roles; a new token.
async fn grant_write(h: &InProcess) -> String {
    let (status, body) = h
        .admin_request(
            Method::POST,
            "/consent",
            Some(json!({
                "client_id": CONSENTED_CLIENT_ID,
                "granted": true,
                "roles": ["User.Read.All", "GroupMember.Read.All", "User.ReadWrite.All"],
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"][2], "User.ReadWrite.All");
    h.token().await
}

#[tokio::test]
async fn writes_are_refused_without_a_write_role() {
    let h = InProcess::start(5).await.unwrap();
    let token = h.token().await;
    let user = Some(new_user("writer@example.com"));
    let (status, body) = h
        .request_json(Method::POST, "/v1.0/users", &token, user)
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let (_, listed) = h.get_json("/v1.0/users", &token).await;
    let id = listed["value"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/v1.0/users/{id}");
    let patch = Some(json!({ "displayName": "Nope" }));
    assert_eq!(
        h.request_json(Method::PATCH, &path, &token, patch).await.0,
        403
    );
    assert_eq!(
        h.request_json(Method::DELETE, &path, &token, None).await.0,
        403
    );
    let (_, user) = h.get_json(&path, &token).await;
    assert_ne!(user["displayName"], "Nope");
}

#[tokio::test]
async fn create_get_patch_delete_then_delta_reports_the_removal() {
    let h = InProcess::start(5).await.unwrap();
    let token = grant_write(&h).await;
    let (_, latest) = h
        .get_json("/v1.0/users/delta?$deltatoken=latest", &token)
        .await;
    let delta = latest["@odata.deltaLink"].as_str().unwrap().to_string();

    let (_, some) = h.get_json("/v1.0/users?$top=1", &token).await;
    let domain = some["value"][0]["userPrincipalName"]
        .as_str()
        .unwrap()
        .split('@')
        .nth(1)
        .unwrap()
        .to_string();
    let upn = format!("written.person@{domain}");

    let mut missing = new_user(&upn);
    missing.as_object_mut().unwrap().remove("passwordProfile");
    let (status, body) = h
        .request_json(Method::POST, "/v1.0/users", &token, Some(missing))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "A value is required for property 'passwordProfile' of resource 'User'."
    );

    let (status, created) = h
        .request_json(Method::POST, "/v1.0/users", &token, Some(new_user(&upn)))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["userPrincipalName"], upn.as_str());
    assert!(created.get("passwordProfile").is_none(), "{created}");
    let id = created["id"].as_str().unwrap().to_string();

    let (status, fetched) = h.get_json(&format!("/v1.0/users/{upn}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["id"], id.as_str());
    assert_eq!(fetched["displayName"], "Written Person");

    let patch = Some(json!({ "displayName": "Patched Person", "jobTitle": "Tester" }));
    let (status, body) = h
        .request_json(Method::PATCH, &format!("/v1.0/users/{upn}"), &token, patch)
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, filtered) = h
        .get_json(
            "/v1.0/users?$filter=displayName eq 'Patched Person'",
            &token,
        )
        .await;
    assert_eq!(filtered["value"][0]["id"], id.as_str(), "{filtered}");
    assert_eq!(filtered["value"][0]["jobTitle"], "Tester");

    let path = format!("/v1.0/users/{id}");
    assert_eq!(
        h.request_json(Method::DELETE, &path, &token, None).await.0,
        204
    );
    assert_eq!(h.get_json(&path, &token).await.0, 404);
    assert_eq!(
        h.request_json(Method::DELETE, &path, &token, None).await.0,
        404
    );

    let response = h
        .client
        .get(&delta)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let changes: Value = response.json().await.unwrap();
    let items = changes["value"].as_array().unwrap();
    let mine: Vec<&Value> = items.iter().filter(|c| c["id"] == id.as_str()).collect();
    assert_eq!(mine.len(), 1, "{changes}");
    assert_eq!(mine[0]["@removed"], json!({ "reason": "changed" }));
}

/// A 204 has no body, and Graph sends no `Content-Type` with it (an OData JSON
/// type on an empty body makes strict clients try to parse nothing).
#[tokio::test]
async fn no_content_answers_carry_no_content_type() {
    let h = InProcess::start(5).await.unwrap();
    let token = grant_write(&h).await;
    let (_, listed) = h.get_json("/v1.0/users?$top=1", &token).await;
    let path = format!("/v1.0/users/{}", listed["value"][0]["id"].as_str().unwrap());
    for (method, body) in [
        (Method::PATCH, Some(json!({ "jobTitle": "Tester" }))),
        (Method::DELETE, None),
    ] {
        let mut request = h
            .client
            .request(method.clone(), h.url(&path))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 204, "{method}");
        assert_eq!(
            response.headers().get("content-type"),
            None,
            "{method}: {:?}",
            response.headers()
        );
        assert!(response.headers().contains_key("request-id"), "{method}");
        assert!(response.bytes().await.unwrap().is_empty(), "{method}");
    }
}

/// Microsoft's SDKs send `@odata.type` with every object they write (msgraph-sdk's
/// `User` as `"#microsoft.graph.user"`): accepted when it names the entity's type.
#[tokio::test]
async fn an_odata_type_naming_the_entity_is_accepted() {
    let h = InProcess::start(5).await.unwrap();
    let token = grant_write(&h).await;
    let (_, listed) = h.get_json("/v1.0/users?$top=1", &token).await;
    let path = format!("/v1.0/users/{}", listed["value"][0]["id"].as_str().unwrap());
    let typed = json!({ "@odata.type": "#microsoft.graph.user", "jobTitle": "Typed" });
    let (status, body) = h
        .request_json(Method::PATCH, &path, &token, Some(typed))
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(h.get_json(&path, &token).await.1["jobTitle"], "Typed");
    let other = json!({ "@odata.type": "#microsoft.graph.group", "jobTitle": "Nope" });
    let (status, body) = h
        .request_json(Method::PATCH, &path, &token, Some(other))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "Request_BadRequest");
    let mut user = new_user("typed.person@entrademo.onmicrosoft.com");
    user["@odata.type"] = json!("#microsoft.graph.user");
    let (status, body) = h
        .request_json(Method::POST, "/v1.0/users", &token, Some(user))
        .await;
    assert_eq!(status, 201, "{body}");
}
