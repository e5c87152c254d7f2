//! Unmodified Azure CLI (from PyPI, in the venv scripts/test makes from
//! scripts/requirements-azure-cli.txt) against the emulator as a cloud of its own:
//! `az cloud register` reads ARM's metadata, `az login --service-principal` (secret or
//! certificate) gets an ARM token and lists subscriptions, `az ad user list|show`,
//! `az ad group list` and `az rest` read Graph with a token for the emulator's address;
//! `az ad user create` and `az ad group member add|check|remove` write it once granted.
//! Then, by hand, the ARM routes' refusals and the tokens for ARM and for that address.

use entrad_testkit::InProcess;
use serde_json::{Value, json};

use crate::token::claims_of;

/// One Azure CLI configuration (`AZURE_CONFIG_DIR`) against one emulator.
struct Az {
    config: tempfile::TempDir,
    ca: std::path::PathBuf,
}

impl Az {
    fn new(h: &InProcess) -> Az {
        Az {
            config: tempfile::tempdir().unwrap(),
            ca: h.emulator.ca_file().to_path_buf(),
        }
    }

    /// Runs `az args`: its exit status, stdout and stderr.
    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let output = tokio::process::Command::new(entrad_testkit::azure_cli().unwrap())
            .args(args)
            .env("AZURE_CONFIG_DIR", self.config.path())
            // requests (cloud register, MSAL) and azure-core trust the emulator's CA.
            .env("REQUESTS_CA_BUNDLE", &self.ca)
            // Else MSAL asks login.microsoftonline.com about the emulator's authority.
            .env("AZURE_CORE_INSTANCE_DISCOVERY", "false")
            .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
            .env("AZURE_CORE_OUTPUT", "json")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .output()
            .await
            .unwrap_or_else(|e| panic!("az does not start: {e}"));
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `az args`, which must succeed, and parses its JSON output.
    async fn json(&self, args: &[&str]) -> Value {
        let (ok, stdout, stderr) = self.run(args).await;
        assert!(ok, "az {args:?} failed: {stderr}\n{stdout}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("az {args:?}: {e}: {stdout}"))
    }

    /// `az login --service-principal` as the consented app with its secret (a
    /// tenant-level account): the accounts az prints.
    async fn login_with_secret(&self, h: &InProcess) -> Value {
        let p = h.parameters("parameters.json");
        // One argument: a secret may begin with '-', which az would read as an option.
        let password = format!("--password={}", p["secret"].as_str().unwrap());
        self.json(&[
            "login",
            "--service-principal",
            "-u",
            p["client_id"].as_str().unwrap(),
            &password,
            "--tenant",
            h.emulator.tenant_id(),
            "--allow-no-subscriptions",
        ])
        .await
    }

    /// `az cloud register` with ARM at `https://localhost:PORT/`, then `az cloud set`.
    async fn register(&self, h: &InProcess) {
        let arm = format!("https://localhost:{}/", h.emulator.url().port().unwrap());
        let args = [
            "cloud",
            "register",
            "-n",
            "Entrad",
            "--endpoint-resource-manager",
            arm.as_str(),
        ];
        let (ok, _, stderr) = self.run(&args).await;
        assert!(ok, "{stderr}");
        let (ok, _, stderr) = self.run(&["cloud", "set", "-n", "Entrad"]).await;
        assert!(ok, "{stderr}");
    }
}

/// The tenant-level account `az login --allow-no-subscriptions` makes for `client_id`.
fn assert_tenant_account(accounts: &Value, h: &InProcess, client_id: &str) {
    let tid = h.emulator.tenant_id();
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    let account = &accounts[0];
    assert_eq!(account["cloudName"], "Entrad", "{account}");
    assert_eq!(account["tenantId"], tid, "{account}");
    assert_eq!(account["name"], "N/A(tenant level account)", "{account}");
    assert_eq!(
        account["user"],
        json!({"name": client_id, "type": "servicePrincipal"})
    );
}

#[tokio::test]
async fn azure_cli_logs_in_with_a_secret_and_reads_users_and_groups() {
    let h = InProcess::start(20).await.unwrap();
    let az = Az::new(&h);
    az.register(&h).await;
    let p = h.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap();
    let accounts = az.login_with_secret(&h).await;
    assert_tenant_account(&accounts, &h, client_id);

    let users = az.json(&["ad", "user", "list"]).await;
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 20);
    let upn = users[3]["userPrincipalName"].as_str().unwrap();
    let shown = az.json(&["ad", "user", "show", "--id", upn]).await;
    assert_eq!(shown["id"], users[3]["id"], "{shown}");
    let groups = az.json(&["ad", "group", "list"]).await;
    assert_eq!(groups.as_array().map(Vec::len), Some(2), "{groups}");
    let listed = az
        .json(&["rest", "--url", &h.url("/v1.0/users?$top=5")])
        .await;
    assert_eq!(
        listed["value"].as_array().map(Vec::len),
        Some(5),
        "{listed}"
    );

    // The login's token is ARM's: its audience as the cloud names it, no roles.
    let arm = az.json(&["account", "get-access-token"]).await;
    let claims = claims_of(arm["accessToken"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://management.core.windows.net/");
    assert_eq!(claims["appid"], client_id);
    assert!(claims.get("roles").is_none(), "{claims}");

    let stats = h.stats().await;
    assert_eq!(stats["requests"]["arm-metadata"], 1, "{stats}");
    assert_eq!(stats["requests"]["subscriptions"], 1, "{stats}");
}

#[tokio::test]
async fn azure_cli_logs_in_with_a_certificate() {
    let h = InProcess::start(7).await.unwrap();
    let az = Az::new(&h);
    az.register(&h).await;
    let p = h.parameters("parameters-certificate.json");
    let client_id = p["client_id"].as_str().unwrap();
    // `--certificate` takes one PEM file with the key and the certificate.
    let pem = az.config.path().join("app.pem");
    let read = |name: &str| std::fs::read_to_string(h.emulator.state_dir().join(name)).unwrap();
    std::fs::write(&pem, read("app-key.pem") + &read("app-cert.pem")).unwrap();
    let accounts = az
        .json(&[
            "login",
            "--service-principal",
            "-u",
            client_id,
            "--certificate",
            pem.to_str().unwrap(),
            "--tenant",
            h.emulator.tenant_id(),
            "--allow-no-subscriptions",
        ])
        .await;
    assert_tenant_account(&accounts, &h, client_id);
    let users = az.json(&["ad", "user", "list"]).await;
    assert_eq!(users.as_array().map(Vec::len), Some(7), "{users}");
}

/// `az ad user create` (POST /users), `az ad group member add` with the group by display
/// name (`$filter` on /groups, then POST /groups/{id}/members/$ref naming
/// `…/directoryObjects/{id}` on the emulator's origin), `member check`, `member remove`
/// and `user delete`: refused before the write roles are granted, done after.
#[tokio::test]
async fn azure_cli_creates_a_user_and_adds_it_to_a_group() {
    let h = InProcess::start(20).await.unwrap();
    let az = Az::new(&h);
    az.register(&h).await;
    let p = h.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap();
    az.login_with_secret(&h).await;
    let upn = "az.person@entrademo.onmicrosoft.com";
    let create = [
        "ad",
        "user",
        "create",
        "--display-name",
        "Az Person",
        "--user-principal-name",
        upn,
        "--password",
        "xWwvJ]6NMw+bWH-d",
    ];
    let (ok, _, stderr) = az.run(&create).await;
    assert!(!ok);
    assert!(
        stderr.contains("Insufficient privileges to complete the operation."),
        "{stderr}"
    );

    let (status, body) = h
        .admin_request(
            reqwest::Method::POST,
            "/consent",
            Some(json!({
                "client_id": client_id,
                "granted": true,
                "roles": ["User.Read.All", "GroupMember.Read.All", "User.ReadWrite.All", "GroupMember.ReadWrite.All"],
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // az keeps its Graph token until it expires: cleared, the next login gets one with
    // the new roles.
    let (ok, _, stderr) = az.run(&["account", "clear"]).await;
    assert!(ok, "{stderr}");
    az.login_with_secret(&h).await;
    let user = az.json(&create).await;
    assert_eq!(user["userPrincipalName"], upn, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        az.json(&["ad", "user", "show", "--id", upn]).await["id"],
        id.as_str()
    );

    let groups = az.json(&["ad", "group", "list"]).await;
    let group = groups[0]["displayName"].as_str().unwrap().to_owned();
    let (ok, _, stderr) = az
        .run(&[
            "ad",
            "group",
            "member",
            "add",
            "--group",
            &group,
            "--member-id",
            &id,
        ])
        .await;
    assert!(ok, "{stderr}");
    let check = [
        "ad",
        "group",
        "member",
        "check",
        "--group",
        &group,
        "--member-id",
        &id,
    ];
    assert_eq!(az.json(&check).await, json!({"value": true}));
    let members = az
        .json(&["ad", "group", "member", "list", "--group", &group])
        .await;
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str()),
        "{members}"
    );
    let (ok, _, stderr) = az
        .run(&[
            "ad",
            "group",
            "member",
            "remove",
            "--group",
            &group,
            "--member-id",
            &id,
        ])
        .await;
    assert!(ok, "{stderr}");
    assert_eq!(az.json(&check).await, json!({"value": false}));
    let (ok, _, stderr) = az.run(&["ad", "user", "delete", "--id", &id]).await;
    assert!(ok, "{stderr}");
    let (ok, _, _) = az.run(&["ad", "user", "show", "--id", upn]).await;
    assert!(!ok, "deleted");
}

/// A token for `scope` for the app of a parameters file (secret flow).
async fn token_for(h: &InProcess, parameters: &str, scope: &str) -> (u16, Value) {
    let p = h.parameters(parameters);
    let response = h
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", p["client_id"].as_str().unwrap()),
            ("scope", scope),
            ("client_secret", p["secret"].as_str().unwrap()),
        ])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn get(h: &InProcess, url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = h.client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn arm_tokens_go_to_any_service_principal_and_arm_routes_refuse_others() {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut config = entrad_testkit::config(dir.path(), 3);
    config.tenants = 2;
    let h = InProcess::start_with(config, dir).await.unwrap();
    let port = h.emulator.url().port().unwrap();

    // ARM is where the metadata was asked; sign-in and Graph the other loopback name.
    let (status, body) = get(&h, &h.url("/metadata/endpoints"), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");
    let local = format!("https://localhost:{port}");
    for (base, other) in [
        (h.base.as_str(), local.as_str()),
        (local.as_str(), h.base.as_str()),
    ] {
        let (status, body) = get(
            &h,
            &format!("{base}//metadata/endpoints?api-version=2022-09-01"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["resourceManager"], format!("{base}/"));
        assert_eq!(body["authentication"]["loginEndpoint"], other);
        assert_eq!(body["microsoftGraphResourceId"], format!("{other}/"));
        assert_eq!(
            body["authentication"]["audiences"][0],
            "https://management.core.windows.net/"
        );
        assert!(body["suffixes"].is_object(), "{body}");
    }

    // ARM is first-party: even the unconsented app gets a token, without roles.
    let (status, arm) = token_for(
        &h,
        "parameters-unconsented.json",
        "https://management.core.windows.net//.default",
    )
    .await;
    assert_eq!(status, 200, "{arm}");
    let arm = arm["access_token"].as_str().unwrap().to_owned();
    let claims = claims_of(&arm);
    assert_eq!(claims["aud"], "https://management.core.windows.net/");
    assert!(claims.get("roles").is_none(), "{claims}");

    let subscriptions = h.url("/subscriptions?api-version=2022-12-01");
    let (status, body) = get(&h, &subscriptions, None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("AuthenticationFailed"))
    );
    let graph = h.token().await;
    let (status, body) = get(&h, &subscriptions, Some(&graph)).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("InvalidAuthenticationTokenAudience"))
    );
    let (status, body) = get(&h, &h.url("/subscriptions"), Some(&arm)).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("MissingApiVersionParameter"))
    );
    let (status, body) = get(&h, &subscriptions, Some(&arm)).await;
    assert_eq!((status, &body), (200, &json!({"value": []})));
    let (status, body) = get(
        &h,
        &h.url("/subscriptions/00000000-0000-0000-0000-00000000e4d0?api-version=2022-12-01"),
        Some(&arm),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("SubscriptionNotFound"))
    );

    // The tenants are those where the app has a service principal: both, here.
    let (status, body) = get(&h, &h.url("/tenants?api-version=2022-12-01"), Some(&arm)).await;
    assert_eq!(status, 200, "{body}");
    let tenants: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenantId"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = h
        .emulator
        .tenants()
        .iter()
        .map(|t| t.tenant_id.as_str())
        .collect();
    assert_eq!(tenants, expected);
    assert_eq!(body["value"][0]["tenantCategory"], "Home");
    assert_eq!(
        body["value"][0]["defaultDomain"],
        "entrademo.onmicrosoft.com"
    );

    // Graph refuses ARM's token; a token for the emulator's own address is Graph's.
    let (status, body) = get(&h, &h.url("/v1.0/users"), Some(&arm)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Access token validation failure. Invalid audience."
    );
    for origin in [h.base.clone(), local.clone()] {
        let (status, own) = token_for(&h, "parameters.json", &format!("{origin}//.default")).await;
        assert_eq!(status, 200, "{own}");
        let own = own["access_token"].as_str().unwrap();
        assert_eq!(claims_of(own)["aud"], origin);
        assert!(claims_of(own)["roles"].is_array());
        let (status, body) = get(&h, &h.url("/v1.0/users"), Some(own)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = token_for(&h, "parameters.json", "https://vault.azure.net/.default").await;
    assert_eq!((status, &body["error_codes"]), (400, &json!([500011])));
}
