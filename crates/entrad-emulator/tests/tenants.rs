//! Several tenants (`Config::tenants`, `--tenants N`): the same app consented in each,
//! tokens per tenant (by GUID or domain), Graph answering with that tenant's directory.

use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::{Value, json};

use crate::drivers::{driver, summary};

async fn start(users: usize, tenants: usize) -> InProcess {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut config = entrad_testkit::config(dir.path(), users);
    config.tenants = tenants;
    InProcess::start_with(config, dir).await.unwrap()
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The domains of the userPrincipalNames of every user Graph lists with `token`.
async fn upn_domains(h: &InProcess, token: &str) -> (usize, Vec<String>) {
    let (status, body) = h
        .get_json("/v1.0/users?$select=userPrincipalName&$top=999", token)
        .await;
    assert_eq!(status, 200, "{body}");
    let users = body["value"].as_array().unwrap();
    let mut domains: Vec<String> = users
        .iter()
        .map(|u| {
            let upn = u["userPrincipalName"].as_str().unwrap();
            upn.split('@').nth(1).unwrap().to_string()
        })
        .collect();
    domains.dedup();
    (users.len(), domains)
}

#[tokio::test]
async fn each_tenant_issues_its_own_tokens_and_graph_serves_its_own_directory() {
    let h = start(30, 3).await;
    let tenants = h.emulator.tenants().to_vec();
    assert_eq!(tenants.len(), 3);
    assert_eq!(tenants[0].tenant_id, h.emulator.tenant_id());
    assert_eq!(tenants[0].domain, "entrademo.onmicrosoft.com");
    assert_eq!(tenants[2].domain, "entrademo3.onmicrosoft.com");
    let ready: Value = serde_json::from_str(&h.emulator.ready_line()).unwrap();
    assert_eq!(
        ready["tenants"][1]["tenant_id"],
        tenants[1].tenant_id.as_str()
    );
    assert_eq!(ready["tenants"][1]["domain"], tenants[1].domain.as_str());
    assert_eq!(ready["tenant_id"], tenants[0].tenant_id.as_str());

    let mut first_users = Vec::new();
    for tenant in &tenants {
        // By GUID and by domain, with the one app's one secret.
        for name in [&tenant.tenant_id, &tenant.domain] {
            let token = h.token_in(name).await;
            let c = claims(&token);
            assert_eq!(c["tid"], tenant.tenant_id.as_str(), "{name}");
            assert_eq!(
                c["iss"],
                format!("https://sts.windows.net/{}/", tenant.tenant_id)
            );
            assert_eq!(c["roles"], json!(["User.Read.All", "GroupMember.Read.All"]));
            let (count, domains) = upn_domains(&h, &token).await;
            assert_eq!((count, domains), (30, vec![tenant.domain.clone()]));
            let (status, groups) = h.get_json("/v1.0/groups", &token).await;
            assert_eq!(status, 200);
            assert_eq!(groups["value"].as_array().unwrap().len(), 3);
        }
        let (_, page) = h
            .get_json(
                "/v1.0/users?$select=id&$top=1",
                &h.token_in(&tenant.domain).await,
            )
            .await;
        first_users.push(page["value"][0]["id"].clone());
    }
    first_users.dedup();
    assert_eq!(first_users.len(), 3, "each tenant has its own users");

    // The OIDC metadata names each tenant's own issuer.
    let (status, metadata) = h
        .get_json(
            &format!(
                "/{}/v2.0/.well-known/openid-configuration",
                tenants[2].domain
            ),
            "",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        metadata["issuer"],
        h.url(&format!("/{}/v2.0", tenants[2].tenant_id)).as_str()
    );
    // A tenant that is not served is still unknown.
    let response = h
        .client
        .post(h.url("/entrademo4.onmicrosoft.com/oauth2/v2.0/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90002")
    );
}

#[tokio::test]
async fn admin_changes_go_to_the_tenant_named_and_delta_sees_only_its_own() {
    let h = start(20, 2).await;
    let second = h.emulator.tenants()[1].clone();
    let token = h.token_in(&second.tenant_id).await;
    let home_token = h.token().await;
    let (_, latest) = h
        .get_json("/v1.0/users/delta?$deltatoken=latest", &token)
        .await;
    let link = latest["@odata.deltaLink"].as_str().unwrap().to_string();
    let (_, home_latest) = h
        .get_json("/v1.0/users/delta?$deltatoken=latest", &home_token)
        .await;
    let home_link = home_latest["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_string();

    let upn = format!("added@{}", second.domain);
    let (status, _) = h
        .admin_request(
            Method::POST,
            &format!("/users?tenant={}", second.domain),
            Some(json!({ "userPrincipalName": upn })),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = h
        .admin_request(
            Method::POST,
            "/users?tenant=nowhere.example",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    let changes = h
        .client
        .get(&link)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let changes: Value = changes.json().await.unwrap();
    assert_eq!(changes["value"].as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes["value"][0]["userPrincipalName"], upn.as_str());
    let home = h
        .client
        .get(&home_link)
        .bearer_auth(&home_token)
        .send()
        .await
        .unwrap();
    let home: Value = home.json().await.unwrap();
    assert!(home["value"].as_array().unwrap().is_empty(), "{home}");
    let (status, _) = h.get_json(&format!("/v1.0/users/{upn}"), &home_token).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn azure_identity_gets_a_token_from_the_second_tenant_and_lists_its_users() {
    let h = start(40, 2).await;
    let second = h.emulator.tenants()[1].clone();
    let mut command = tokio::process::Command::new(entrad_testkit::python().unwrap());
    command
        .arg(driver("azure_identity/azure_identity_client.py"))
        .arg(h.emulator.state_dir())
        .arg(&h.base)
        .arg(&second.domain)
        .arg(h.emulator.client_id())
        .arg(h.emulator.ca_file())
        .arg("secret");
    let s = summary(command, "azure_identity_client.py").await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["tid"], second.tenant_id.as_str(), "{s}");
    assert_eq!(s["graph_status"], 200, "{s}");
    assert_eq!(s["unique_users"], 40, "{s}");
    assert_eq!(s["groups_status"], 200, "{s}");
    assert_eq!(s["groups"], 4, "{s}");
}
