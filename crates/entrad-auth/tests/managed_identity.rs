//! Managed identity and the credential chain against the real emulator's
//! managed identity endpoints (plain http on loopback, Service Fabric over
//! TLS pinned by thumbprint): every source, system- and user-assigned, the
//! tokens accepted by its Graph; IMDS retries; secrets kept out of errors;
//! the chain choosing each source as the environment changes, and listing
//! every reason off Azure. IMDS is always the emulator or a closed loopback
//! port: no test sends a packet to 169.254.169.254.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use entrad_auth::{
    AccessToken, ChainedCredential, ErrorKind, HttpOptions, ManagedIdentity, ManagedIdentityClient,
    ManagedIdentitySource, RetryPolicy, TokenSource,
};
use entrad_testkit::{
    EmulatedIdentity, InProcess, SYSTEM_ASSIGNED, USER_ASSIGNED, closed_loopback_url,
};
use serde_json::json;

const GRAPH: &str = "https://graph.microsoft.com/.default";

fn client(env: Vec<(String, String)>, identity: ManagedIdentity) -> ManagedIdentityClient {
    ManagedIdentityClient::builder(identity)
        .environment(env)
        .http(HttpOptions::new().with_retry_policy(quick()))
        .build()
        .unwrap()
}

fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(20))
}

fn user_assigned() -> [ManagedIdentity; 3] {
    [
        ManagedIdentity::ClientId(USER_ASSIGNED.client_id.into()),
        ManagedIdentity::ResourceId(USER_ASSIGNED.resource_id.into()),
        ManagedIdentity::ObjectId(USER_ASSIGNED.object_id.into()),
    ]
}

/// Lists users with `token`: Graph's status.
async fn list_users(emulator: &InProcess, token: &AccessToken) -> u16 {
    emulator
        .client
        .get(emulator.url("/v1.0/users"))
        .bearer_auth(token.secret())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The token is the identity's, and Graph accepts it.
async fn check(emulator: &InProcess, token: &AccessToken, expected: EmulatedIdentity) {
    let claims = token.claims().unwrap();
    assert_eq!(claims["appid"], expected.client_id);
    assert_eq!(claims["oid"], expected.object_id);
    assert_eq!(claims["xms_mirid"], expected.resource_id);
    assert_eq!(list_users(emulator, token).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_gives_graph_tokens_for_system_and_user_assigned_identities() {
    let emulator = InProcess::start(3).await.unwrap();
    let sources = [
        ("imds", ManagedIdentitySource::Imds, true),
        ("app-service", ManagedIdentitySource::AppService, true),
        ("arc", ManagedIdentitySource::Arc, true),
        (
            "machine-learning",
            ManagedIdentitySource::MachineLearning,
            true,
        ),
        (
            "service-fabric",
            ManagedIdentitySource::ServiceFabric,
            false,
        ),
        ("cloud-shell", ManagedIdentitySource::CloudShell, false),
    ];
    for (name, source, has_user_assigned) in sources {
        let system = client(emulator.mi_env(name), ManagedIdentity::SystemAssigned);
        assert_eq!(system.source(), source, "{name}");
        let token = system.acquire_token(&[GRAPH]).await.unwrap();
        assert!(!token.from_cache());
        check(&emulator, &token, SYSTEM_ASSIGNED).await;
        assert!(system.acquire_token(&[GRAPH]).await.unwrap().from_cache());
        if has_user_assigned {
            for identity in user_assigned() {
                let token = client(emulator.mi_env(name), identity.clone())
                    .acquire_token(&[GRAPH])
                    .await
                    .unwrap_or_else(|e| panic!("{name} {identity}: {e:?}"));
                check(&emulator, &token, USER_ASSIGNED).await;
            }
        }
    }
    let stats = emulator.admin().stats().await.unwrap();
    for route in [
        "imds",
        "app-service",
        "machine-learning",
        "service-fabric",
        "cloud-shell",
    ] {
        // One request per client: the second system-assigned call was a cache hit.
        let expected = if matches!(route, "service-fabric" | "cloud-shell") {
            1
        } else {
            4
        };
        assert_eq!(stats.route(route), expected, "{route}");
    }
    // Arc: the challenge, then the request with the key.
    assert_eq!(stats.route("arc"), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_is_retried_while_it_starts_and_when_busy() {
    let emulator = InProcess::start(1).await.unwrap();
    for (kind, count) in [("410", 1), ("404", 1), ("429", 1), ("500", 1)] {
        emulator
            .admin()
            .add_fault(&json!({"route": "imds", "kind": kind, "count": count, "retry_after": 0}))
            .await
            .unwrap();
    }
    let imds = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .environment(emulator.mi_env("imds"))
        .http(HttpOptions::new().with_retry_policy(quick().with_max_attempts(5)))
        .build()
        .unwrap();
    let token = imds.acquire_token(&[GRAPH]).await.unwrap();
    check(&emulator, &token, SYSTEM_ASSIGNED).await;
    assert_eq!(imds.retries(), 4);
    assert_eq!(emulator.admin().stats().await.unwrap().route("imds"), 5);
    // Bounded: a host that keeps starting is given up on.
    emulator
        .admin()
        .add_fault(&json!({"route": "imds", "kind": "410", "retry_after": 0}))
        .await
        .unwrap();
    let starting = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .environment(emulator.mi_env("imds"))
        .http(HttpOptions::new().with_retry_policy(quick().with_max_attempts(3)))
        .build()
        .unwrap();
    let e = starting.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(starting.retries(), 2);
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_refuses_requests_without_metadata_or_through_a_proxy() {
    let emulator = InProcess::start(1).await.unwrap();
    let host = &emulator.emulator.managed_identity().url;
    let url = format!(
        "{host}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com"
    );
    let http = reqwest::Client::new();
    let no_metadata = http.get(&url).send().await.unwrap();
    assert_eq!(no_metadata.status(), 400);
    let body: serde_json::Value = no_metadata.json().await.unwrap();
    assert_eq!(
        body["error_description"],
        "Required metadata header not specified"
    );
    let forwarded = http
        .get(&url)
        .header("Metadata", "true")
        .header("X-Forwarded-For", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 400);
    let ok = http
        .get(&url)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let unknown = ManagedIdentityClient::builder(ManagedIdentity::ClientId(
        "00000000-0000-0000-0000-0000000000ff".into(),
    ))
    .environment(emulator.mi_env("imds"))
    .build()
    .unwrap()
    .acquire_token(&[GRAPH])
    .await
    .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::Authentication);
    assert!(
        unknown.to_string().contains("Identity not found"),
        "{unknown}"
    );
}

/// The value of `name` in `env`.
fn var(env: &[(String, String)], name: &str) -> String {
    env.iter().find(|(k, _)| k == name).unwrap().1.clone()
}

fn with(mut env: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    env.retain(|(k, _)| k != name);
    env.push((name.into(), value.into()));
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_headers_and_keys_never_show() {
    let emulator = InProcess::start(1).await.unwrap();
    for (source, header) in [
        ("app-service", "IDENTITY_HEADER"),
        ("service-fabric", "IDENTITY_HEADER"),
        ("machine-learning", "MSI_SECRET"),
    ] {
        let env = emulator.mi_env(source);
        let secret = var(&env, header);
        let good = client(env.clone(), ManagedIdentity::SystemAssigned);
        assert!(!format!("{good:?}").contains(&secret), "{source}");
        let wrong = format!("{secret}0");
        let refused = client(with(env, header, &wrong), ManagedIdentity::SystemAssigned)
            .acquire_token(&[GRAPH])
            .await
            .unwrap_err();
        assert_eq!(
            refused.kind(),
            ErrorKind::Authentication,
            "{source}: {refused}"
        );
        let text = format!("{refused} {refused:?}");
        assert!(
            !text.contains(&secret) && !text.contains(&wrong),
            "{source}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_fabric_trusts_its_thumbprint_and_nothing_else() {
    let emulator = InProcess::start(1).await.unwrap();
    let env = emulator.mi_env("service-fabric");
    let other = "00".repeat(20);
    let e = client(
        with(env, "IDENTITY_SERVER_THUMBPRINT", &other),
        ManagedIdentity::SystemAssigned,
    )
    .acquire_token(&[GRAPH])
    .await
    .unwrap_err();
    assert!(e.to_string().contains("not trusted"), "{e}");
    assert_eq!(
        emulator
            .admin()
            .stats()
            .await
            .unwrap()
            .route("service-fabric"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arc_reads_its_key_only_from_the_agent_directory() {
    let emulator = InProcess::start(1).await.unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let e = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .environment(emulator.mi_env("arc"))
        .arc_key_directory(elsewhere.path())
        .build()
        .unwrap()
        .acquire_token(&[GRAPH])
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("cannot read the Azure Arc key file"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains(&elsewhere.path().display().to_string()),
        "{e}"
    );
}

/// A fake `az` in a fresh directory: records its arguments, prints `stdout`.
fn fake_az(dir: &Path, stdout: &str, sleep: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("az");
    let args = dir.join("args");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nsleep {sleep}\ncat <<'JSON'\n{stdout}\nJSON\n",
            args.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The environment of a daemon with nothing configured: IMDS at a closed
/// loopback port, `PATH` = `path`.
fn off_azure(path: &Path) -> Vec<(String, String)> {
    vec![
        (
            "AZURE_POD_IDENTITY_AUTHORITY_HOST".into(),
            closed_loopback_url(),
        ),
        ("PATH".into(), path.display().to_string()),
    ]
}

async fn chain_source(
    env: Vec<(String, String)>,
    ca: &Path,
) -> (ChainedCredential, entrad_auth::Result<AccessToken>) {
    let chain = ChainedCredential::builder()
        .environment(env)
        .http(HttpOptions::new().with_ca_file(ca))
        .build()
        .unwrap();
    let token = chain.acquire_token(&[GRAPH]).await;
    (chain, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_picks_each_source_as_the_environment_changes() {
    let emulator = InProcess::start(2).await.unwrap();
    let ca = emulator.emulator.ca_file().to_path_buf();
    let p = emulator.parameters("parameters.json");
    let empty = tempfile::tempdir().unwrap();
    let app = |extra: &[(&str, String)]| {
        let mut env = off_azure(empty.path());
        env.push((
            "AZURE_TENANT_ID".into(),
            emulator.emulator.tenant_id().into(),
        ));
        env.push(("AZURE_AUTHORITY_HOST".into(), emulator.base.clone()));
        for (k, v) in extra {
            env.push(((*k).into(), v.clone()));
        }
        env
    };
    let client_id = p["client_id"].as_str().unwrap().to_string();
    let secret_env = app(&[
        ("AZURE_CLIENT_ID", client_id.clone()),
        ("AZURE_CLIENT_SECRET", p["secret"].as_str().unwrap().into()),
    ]);
    let workload_env = app(&[
        ("AZURE_CLIENT_ID", client_id.clone()),
        (
            "AZURE_FEDERATED_TOKEN_FILE",
            emulator
                .emulator
                .federated_token_file()
                .display()
                .to_string(),
        ),
    ]);
    let mut app_service_env = off_azure(empty.path());
    app_service_env.extend(emulator.mi_env("app-service"));
    let mut imds_env = off_azure(empty.path());
    imds_env = with(
        imds_env,
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        &emulator.emulator.managed_identity().url,
    );
    let cases = [
        (
            secret_env,
            "credential chain: client secret",
            client_id.as_str(),
        ),
        (
            workload_env,
            "credential chain: client assertion file",
            client_id.as_str(),
        ),
        (
            app_service_env,
            "credential chain: managed identity (App Service, system-assigned)",
            SYSTEM_ASSIGNED.client_id,
        ),
        (
            imds_env,
            "credential chain: managed identity (IMDS, system-assigned)",
            SYSTEM_ASSIGNED.client_id,
        ),
    ];
    for (env, name, appid) in cases {
        let (chain, token) = chain_source(env, &ca).await;
        let token = token.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(chain.source_name(), name);
        assert_eq!(token.claims().unwrap()["appid"], appid, "{name}");
        assert_eq!(list_users(&emulator, &token).await, 200, "{name}");
    }

    // A host without the identity asked for (IMDS answers 400): the chain
    // moves on, here to nothing, and says why.
    let (_, refused) = chain_source(
        with(
            with(
                off_azure(empty.path()),
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                &emulator.emulator.managed_identity().url,
            ),
            "AZURE_CLIENT_ID",
            "00000000-0000-0000-0000-0000000000ff",
        ),
        &ca,
    )
    .await;
    let refused = refused.unwrap_err().to_string();
    assert!(
        refused.contains("managed identity: token service refused the request"),
        "{refused}"
    );
    assert!(refused.contains("Identity not found"), "{refused}");

    // Nothing else: the Azure CLI's account (a fake az on PATH, a real process).
    let imds = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .imds_endpoint(emulator.emulator.managed_identity().url.clone())
        .environment(Vec::<(String, String)>::new())
        .build()
        .unwrap();
    let az_token = imds.acquire_token(&[GRAPH]).await.unwrap();
    let bin = tempfile::tempdir().unwrap();
    let expires_on = az_token
        .expires_on()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    fake_az(
        bin.path(),
        &json!({"accessToken": az_token.secret(), "expires_on": expires_on, "tokenType": "Bearer"})
            .to_string(),
        0,
    );
    let (chain, token) = chain_source(off_azure(bin.path()), &ca).await;
    let token = token.unwrap();
    assert_eq!(chain.source_name(), "credential chain: Azure CLI");
    assert_eq!(list_users(&emulator, &token).await, 200);
    let args = std::fs::read_to_string(bin.path().join("args")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "account",
            "get-access-token",
            "--resource",
            "https://graph.microsoft.com",
            "-o",
            "json"
        ]
    );
    // Remembered: the next call asks the same source (from its cache here).
    assert!(chain.acquire_token(&[GRAPH]).await.unwrap().from_cache());
    assert_eq!(chain.source_name(), "credential chain: Azure CLI");
}

#[tokio::test]
async fn off_azure_the_chain_fails_with_every_reason() {
    let empty = tempfile::tempdir().unwrap();
    let chain = ChainedCredential::builder()
        .environment(off_azure(empty.path()))
        .build()
        .unwrap();
    let e = chain.acquire_token(&[GRAPH]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    let text = e.to_string();
    for reason in [
        "environment: neither AZURE_CLIENT_SECRET nor AZURE_CLIENT_CERTIFICATE_PATH is set",
        "workload identity: AZURE_FEDERATED_TOKEN_FILE is not set",
        "managed identity: network error: IMDS: ",
        "Azure CLI: az is not installed (not found on PATH)",
    ] {
        assert!(text.contains(reason), "{reason:?} missing from {text}");
    }
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[tokio::test]
async fn a_hung_az_is_stopped_at_its_time_limit() {
    let bin = tempfile::tempdir().unwrap();
    fake_az(bin.path(), "{}", 30);
    let chain = ChainedCredential::builder()
        .environment(off_azure(bin.path()))
        .cli_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let e = chain.acquire_token(&[GRAPH]).await.unwrap_err();
    assert!(
        e.to_string().contains(
            "Azure CLI: network error: az account get-access-token did not finish within"
        ),
        "{e}"
    );
    let _: Arc<dyn TokenSource> = Arc::new(chain);
}

#[tokio::test]
async fn a_silent_imds_is_left_after_the_probe_timeout() {
    // Accepts connections and never answers: what an IMDS address that
    // drops packets looks like, here on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let empty = tempfile::tempdir().unwrap();
    let chain = ChainedCredential::builder()
        .environment(with(
            off_azure(empty.path()),
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            &format!("http://{addr}"),
        ))
        .probe_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = chain.acquire_token(&[GRAPH]).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("managed identity: network error: IMDS: timed out"),
        "{text}"
    );
    assert!(text.contains("Azure CLI: az is not installed"), "{text}");
    silent.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_tokens_share_the_engine_single_flight_and_cache() {
    let emulator = InProcess::start(1).await.unwrap();
    let store: Arc<dyn entrad_auth::TokenCache> = Arc::new(entrad_auth::MemoryCache::new());
    let build = |identity: ManagedIdentity| {
        ManagedIdentityClient::builder(identity)
            .environment(emulator.mi_env("imds"))
            .cache(store.clone())
            .build()
            .unwrap()
    };
    let system = build(ManagedIdentity::SystemAssigned);
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let system = system.clone();
            tokio::spawn(async move { system.acquire_token(&[GRAPH]).await.unwrap() })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(emulator.admin().stats().await.unwrap().route("imds"), 1);
    // Another client of the same identity finds it in the store; another
    // identity is another key.
    let again = build(ManagedIdentity::SystemAssigned)
        .acquire_token(&[GRAPH])
        .await
        .unwrap();
    assert!(again.from_cache());
    let user = build(ManagedIdentity::ClientId(USER_ASSIGNED.client_id.into()))
        .acquire_token(&[GRAPH])
        .await
        .unwrap();
    assert!(!user.from_cache());
    assert_eq!(user.claims().unwrap()["appid"], USER_ASSIGNED.client_id);
    assert_eq!(emulator.admin().stats().await.unwrap().route("imds"), 2);
    // A claims challenge asks anew.
    let fresh = system
        .acquire_token_with_claims(&[GRAPH], "{}")
        .await
        .unwrap();
    assert!(!fresh.from_cache());
    assert_eq!(emulator.admin().stats().await.unwrap().route("imds"), 3);
}

/// Service Fabric's refusals, as its page's error table gives them, read as
/// one clear line naming the source, the code and the message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_fabric_refusals_name_the_code_and_message() {
    let emulator = InProcess::start(1).await.unwrap();
    let env = emulator.mi_env("service-fabric");
    let secret = var(&env, "IDENTITY_HEADER");
    let wrong = client(
        with(env.clone(), "IDENTITY_HEADER", &format!("{secret}0")),
        ManagedIdentity::SystemAssigned,
    )
    .acquire_token(&[GRAPH])
    .await
    .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Authentication, "{wrong}");
    let text = wrong.to_string();
    assert!(
        text.contains("HTTP 404 ManagedIdentityNotFound: Service Fabric: Managed identity not found for the specified application host."),
        "{text}"
    );
    // An unknown resource is the page's InternalServerError: a 5xx, retried
    // as the page allows, then reported.
    let sf = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .environment(env)
        .http(HttpOptions::new().with_retry_policy(quick().with_max_attempts(2)))
        .build()
        .unwrap();
    let unknown = sf
        .acquire_token(&["https://vault.azure.net/.default"])
        .await
        .unwrap_err();
    assert_eq!(sf.retries(), 1);
    let text = unknown.to_string();
    assert!(
        text.contains("HTTP 500 InternalServerError: Service Fabric: An error occurred."),
        "{text}"
    );
    assert!(!text.contains('\n') && !text.contains(&secret), "{text}");
}
