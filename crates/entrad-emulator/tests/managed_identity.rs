//! The managed identity endpoints against real clients: MSAL Python's
//! `ManagedIdentityClient` (IMDS, App Service, Azure Arc, Service Fabric,
//! Machine Learning) and azure-identity's `ManagedIdentityCredential` (IMDS,
//! App Service) get tokens, system- and user-assigned, and list users with
//! them; IMDS's refusals; consent decides what Graph grants; faults; the
//! files in the state directory.

use entrad_testkit::{InProcess, SYSTEM_ASSIGNED, USER_ASSIGNED};
use serde_json::{Value, json};

use crate::drivers::{driver, summary};

async fn run(h: &InProcess, client: &str, source: &str, identity: &str) -> Value {
    let mut command = tokio::process::Command::new(entrad_testkit::python().unwrap());
    for var in entrad_testkit::MANAGED_IDENTITY_VARS {
        command.env_remove(var);
    }
    command.env_remove("AZURE_CLIENT_ID");
    command
        .arg(driver("managed_identity/mi_client.py"))
        .args([client, source, identity])
        .arg(h.emulator.state_dir())
        .arg(&h.base)
        .arg(h.emulator.ca_file());
    summary(command, "mi_client.py").await
}

fn identities(source: &str) -> Vec<(String, &'static str)> {
    let mut all = vec![("system".to_string(), SYSTEM_ASSIGNED.client_id)];
    if source != "service-fabric" {
        for (kind, id) in [
            ("client-id", USER_ASSIGNED.client_id),
            ("resource-id", USER_ASSIGNED.resource_id),
            ("object-id", USER_ASSIGNED.object_id),
        ] {
            all.push((format!("{kind}:{id}"), USER_ASSIGNED.client_id));
        }
    }
    all
}

#[tokio::test]
async fn msal_python_gets_tokens_from_every_source_and_lists_users() {
    let h = InProcess::start(7).await.unwrap();
    for source in [
        "imds",
        "app-service",
        "arc",
        "service-fabric",
        "machine-learning",
    ] {
        for (identity, appid) in identities(source) {
            let s = run(&h, "msal", source, &identity).await;
            assert_eq!(s["source"], source, "{source} {identity}: {s}");
            assert_eq!(s["appid"], appid, "{source} {identity}: {s}");
            assert_eq!(s["users"], 7, "{s}");
            assert_eq!(s["cached"], true, "MSAL's second call is a cache hit: {s}");
        }
    }
}

#[tokio::test]
async fn azure_identity_gets_tokens_from_imds_and_app_service() {
    let h = InProcess::start(4).await.unwrap();
    for (source, class) in [
        ("imds", "ImdsCredential"),
        ("app-service", "AppServiceCredential"),
    ] {
        for (identity, appid) in identities(source) {
            let s = run(&h, "azure-identity", source, &identity).await;
            assert_eq!(s["source"], class, "{source} {identity}: {s}");
            assert_eq!(s["appid"], appid, "{source} {identity}: {s}");
            assert_eq!(s["users"], 4, "{s}");
        }
    }
}

/// The Azure Connected Machine agent's key directory on Linux: the only one
/// unmodified azure-identity and MSAL read Arc's key files from.
const AGENT_KEY_DIR: &str = "/var/opt/azcmagent/tokens";

#[tokio::test]
async fn unmodified_clients_get_arc_tokens_with_the_agents_key_directory() {
    let dir = entrad_testkit::state_dir().unwrap();
    let config = entrad_emulator::Config {
        arc_key_dir: Some(AGENT_KEY_DIR.into()),
        ..entrad_testkit::config(dir.path(), 3)
    };
    let h = InProcess::start_with(config, dir).await.unwrap();
    let before = key_files(AGENT_KEY_DIR);
    assert_eq!(
        env_value(&h, "arc", "ENTRAD_AZURE_ARC_KEY_DIR"),
        AGENT_KEY_DIR
    );
    for (identity, appid) in identities("arc") {
        let s = run(&h, "azure-identity", "arc", &identity).await;
        assert_eq!(s["source"], "AzureArcCredential", "{identity}: {s}");
        assert_eq!(s["appid"], appid, "{identity}: {s}");
        assert_eq!(s["users"], 3, "{s}");
        let s = run(&h, "msal", "arc", &identity).await;
        assert_eq!(s["source"], "arc", "{identity}: {s}");
        assert_eq!(s["appid"], appid, "{identity}: {s}");
    }
    let written: Vec<_> = key_files(AGENT_KEY_DIR)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert!(!written.is_empty(), "no key file in {AGENT_KEY_DIR}");
    drop(h);
    let left: Vec<_> = written.iter().filter(|f| f.exists()).collect();
    assert!(
        left.is_empty(),
        "key files left after the emulator stopped: {left:?}"
    );
}

/// The `.key` files in `dir`.
fn key_files(dir: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "key"))
        .collect()
}

/// IMDS's token for `query`'s identity, by hand.
async fn imds(h: &InProcess, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com{query}",
        h.emulator.managed_identity().url
    );
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn graph_status(h: &InProcess, token: &str) -> u16 {
    h.client
        .get(h.url("/v1.0/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn imds_answers_as_imds_and_graph_follows_consent() {
    let h = InProcess::start(2).await.unwrap();
    let metadata = [("Metadata", "true")];
    let no_header = imds(&h, "", &[]).await;
    assert_eq!(no_header.status(), 400);
    // The VM token page's HTTP response reference: bad_request_102, and the
    // value "must be specified as true, in all lower case".
    for header in [
        &[][..],
        &[("Metadata", "True")][..],
        &[("Metadata", "TRUE")][..],
    ] {
        let refused = imds(&h, "", header).await;
        assert_eq!(refused.status(), 400, "{header:?}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "bad_request_102", "error_description": "Required metadata header not specified"}),
            "{header:?}"
        );
    }
    let proxied = imds(
        &h,
        "",
        &[("Metadata", "true"), ("X-Forwarded-For", "10.0.0.1")],
    )
    .await;
    assert_eq!(proxied.status(), 400);
    let unknown = imds(
        &h,
        "&client_id=00000000-0000-0000-0000-000000000001",
        &metadata,
    )
    .await;
    assert_eq!(unknown.status(), 400);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error_description"], "Identity not found");
    let other = reqwest::Client::new()
        .get(format!(
            "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net",
            h.emulator.managed_identity().url
        ))
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 400);
    // ARM is known (`az login --identity` asks for it): a token without Graph's roles.
    let arm: Value = reqwest::Client::new()
        .get(format!(
            "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/",
            h.emulator.managed_identity().url
        ))
        .header("Metadata", "true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = crate::token::claims_of(arm["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://management.azure.com/", "{claims}");
    assert!(claims.get("roles").is_none(), "{claims}");

    let ok: Value = imds(&h, "", &metadata).await.json().await.unwrap();
    // IMDS gives its numbers as strings.
    assert_eq!(ok["expires_in"], "3599");
    assert!(ok["expires_on"].is_string());
    assert_eq!(ok["client_id"], SYSTEM_ASSIGNED.client_id);
    assert_eq!(
        graph_status(&h, ok["access_token"].as_str().unwrap()).await,
        200
    );

    // Without the role assignment ("consent"), Graph refuses the identity's tokens.
    h.admin()
        .set_consent(&json!({"client_id": SYSTEM_ASSIGNED.client_id, "granted": false}))
        .await
        .unwrap();
    let refused: Value = imds(&h, "", &metadata).await.json().await.unwrap();
    assert_eq!(
        graph_status(&h, refused["access_token"].as_str().unwrap()).await,
        403
    );
    let user: Value = imds(
        &h,
        &format!("&object_id={}", USER_ASSIGNED.object_id),
        &metadata,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        graph_status(&h, user["access_token"].as_str().unwrap()).await,
        200
    );
}

#[tokio::test]
async fn faults_reach_the_managed_identity_routes() {
    let h = InProcess::start(1).await.unwrap();
    for kind in ["410", "404", "500", "429"] {
        h.admin()
            .add_fault(&json!({"route": "imds", "kind": kind, "count": 1, "retry_after": 0}))
            .await
            .unwrap();
        let status = imds(&h, "", &[("Metadata", "true")]).await.status();
        assert_eq!(status.as_u16().to_string(), kind);
    }
    assert_eq!(imds(&h, "", &[("Metadata", "true")]).await.status(), 200);
    let stats = h.admin().stats().await.unwrap();
    assert_eq!(stats.route("imds"), 5);
    assert_eq!(stats.faults(), 4);
}

#[tokio::test]
async fn the_state_directory_holds_each_source_environment_privately() {
    use std::os::unix::fs::PermissionsExt as _;
    let h = InProcess::start(1).await.unwrap();
    let ready: Value = serde_json::from_str(&h.emulator.ready_line()).unwrap();
    assert_eq!(
        ready["managed_identity"]["url"],
        h.emulator.managed_identity().url.as_str()
    );
    assert_eq!(
        ready["managed_identity"]["user_assigned"]["client_id"],
        USER_ASSIGNED.client_id
    );
    for name in entrad_emulator::MANAGED_IDENTITY_ENV_FILES {
        let path = h.emulator.managed_identity_env_file(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
    let arc = h.mi_env("arc");
    let thumbprint = &h.mi_env("service-fabric")[2];
    assert_eq!(thumbprint.0, "IDENTITY_SERVER_THUMBPRINT");
    assert_eq!(thumbprint.1.len(), 40);
    // Arc's challenge writes a key file into the state directory. Arc takes
    // `Metadata: True` (its page's PowerShell sample), unlike IMDS.
    let endpoint = &arc
        .iter()
        .find(|(k, _)| k == "IDENTITY_ENDPOINT")
        .unwrap()
        .1;
    let challenge = reqwest::Client::new()
        .get(format!(
            "{endpoint}?api-version=2020-06-01&resource=https://graph.microsoft.com"
        ))
        .header("Metadata", "True")
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 401);
    let realm = challenge.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let file = realm.strip_prefix("Basic realm=").unwrap();
    assert!(
        file.starts_with(&h.emulator.state_dir().display().to_string()),
        "{realm}"
    );
    let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let wrong = reqwest::Client::new()
        .get(format!(
            "{endpoint}?api-version=2020-06-01&resource=https://graph.microsoft.com"
        ))
        .header("Metadata", "true")
        .header("Authorization", "Basic not-the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

/// The value of `name` in the source's environment file.
fn env_value(h: &InProcess, source: &str, name: &str) -> String {
    h.mi_env(source)
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("{name} missing in mi-{source}.env"))
        .1
}

/// App Service's endpoint by hand, with `IDENTITY_HEADER` unless `header` says otherwise.
async fn app_service(h: &InProcess, query: &str, header: Option<(&str, &str)>) -> (u16, Value) {
    let endpoint = env_value(h, "app-service", "IDENTITY_ENDPOINT");
    let secret = env_value(h, "app-service", "IDENTITY_HEADER");
    let (name, value) = header.unwrap_or(("X-IDENTITY-HEADER", &secret));
    let response = reqwest::Client::new()
        .get(format!(
            "{endpoint}?resource=https://graph.microsoft.com{query}"
        ))
        .header(name, value)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The REST endpoint reference of "How to use managed identities for App Service
/// and Azure Functions": `principal_id` (alias `object_id`) selects a user-assigned
/// identity, each selector "cannot be used on a request that includes" another, and
/// the version to use is 2019-08-01.
#[tokio::test]
async fn app_service_honours_principal_id_and_refuses_what_app_service_refuses() {
    let h = InProcess::start(1).await.unwrap();
    let v = "&api-version=2019-08-01";
    let (status, body) = app_service(
        &h,
        &format!("{v}&principal_id={}", USER_ASSIGNED.object_id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_id"], USER_ASSIGNED.client_id, "{body}");
    let (_, system) = app_service(&h, v, None).await;
    assert_eq!(system["client_id"], SYSTEM_ASSIGNED.client_id, "{system}");

    // A principal id the host has no identity for is not the system identity.
    let (status, body) = app_service(
        &h,
        &format!("{v}&principal_id=00000000-0000-0000-0000-000000000001"),
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["statusCode"], 400, "{body}");

    // Two selectors, even principal_id with its own alias, are refused.
    let o = USER_ASSIGNED.object_id;
    let c = USER_ASSIGNED.client_id;
    for (query, message) in [
        (
            format!("&principal_id={o}&object_id={o}"),
            "principal_id cannot be used on a request that includes object_id.",
        ),
        (
            format!("&client_id={c}&principal_id={o}"),
            "client_id cannot be used on a request that includes principal_id.",
        ),
        (
            format!("&mi_res_id={}&client_id={c}", USER_ASSIGNED.resource_id),
            "client_id cannot be used on a request that includes mi_res_id.",
        ),
    ] {
        let (status, body) = app_service(&h, &format!("{v}{query}"), None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body, json!({"statusCode": 400, "message": message}));
    }

    // The older 2017-09-01 form (MSI_SECRET in a `secret` header) is not served:
    // App Service's versioning answer names the version, before any secret check.
    let secret = env_value(&h, "app-service", "IDENTITY_HEADER");
    let (status, body) = app_service(
        &h,
        "&api-version=2017-09-01",
        Some(("secret", secret.as_str())),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "UnsupportedApiVersion", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.ends_with("does not support the API version '2017-09-01'."),
        "{message}"
    );
    assert!(message.contains("/msi/token?"), "{message}");
    let (status, body) = app_service(&h, "", None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "ApiVersionUnspecified", "{body}");
    // With the right version, the header is still required.
    let (status, body) = app_service(&h, v, Some(("secret", secret.as_str()))).await;
    assert_eq!(status, 401, "{body}");
}

/// Service Fabric's endpoint by hand (its self-signed certificate is not what
/// this test checks: entrad-auth's tests pin it by thumbprint).
async fn service_fabric(h: &InProcess, query: &str, secret: Option<&str>) -> (u16, Value) {
    let endpoint = env_value(h, "service-fabric", "IDENTITY_ENDPOINT");
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let mut request = client.get(format!("{endpoint}?{query}"));
    if let Some(secret) = secret {
        request = request.header("Secret", secret);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The error table of "How to leverage a Service Fabric application's managed
/// identity to access Azure services", checked in its order.
#[tokio::test]
async fn service_fabric_refuses_as_its_error_table_says() {
    let h = InProcess::start(1).await.unwrap();
    let secret = env_value(&h, "service-fabric", "IDENTITY_HEADER");
    let good = "api-version=2019-07-01-preview&resource=https://graph.microsoft.com";
    let wrong = format!("{secret}0");
    for (query, secret, status, code, message) in [
        (
            good,
            None,
            401,
            "SecretHeaderNotFound",
            "Secret is not found in the request headers.",
        ),
        (
            good,
            Some(wrong.as_str()),
            404,
            "ManagedIdentityNotFound",
            "Managed identity not found for the specified application host.",
        ),
        (
            "resource=https://graph.microsoft.com",
            Some(secret.as_str()),
            400,
            "InvalidApiVersion",
            "The api-version '' is not supported. Supported version is '2019-07-01-preview'.",
        ),
        (
            "api-version=2019-08-01",
            Some(secret.as_str()),
            400,
            "InvalidApiVersion",
            "The api-version '2019-08-01' is not supported. Supported version is '2019-07-01-preview'.",
        ),
        (
            "api-version=2019-07-01-preview",
            Some(secret.as_str()),
            400,
            "ArgumentNullOrEmpty",
            "The parameter 'resource' should not be null or empty string.",
        ),
        (
            "api-version=2019-07-01-preview&resource=https://vault.azure.net",
            Some(secret.as_str()),
            500,
            "InternalServerError",
            "An error occurred.",
        ),
    ] {
        let (got, body) = service_fabric(&h, query, secret).await;
        assert_eq!(got, status, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
        assert_eq!(body["error"]["message"], message, "{query}: {body}");
        assert!(body["error"]["correlationId"].is_string(), "{body}");
    }
    let (status, body) = service_fabric(&h, good, Some(&secret)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["expires_on"].is_i64(), "{body}");
}
