//! The `azure-core` feature: an entrad client as azure_core's `TokenCredential`,
//! driven by azure_core's own `BearerTokenAuthorizationPolicy` in an azure_core
//! pipeline (azure_core's reqwest transport) against the real emulator over TLS.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{ClientOptions, Context, Method, Pipeline, Request, StatusCode, Url};
use entrad_auth::{Authority, AzureCoreCredential, ConfidentialClient, Credential, HttpOptions};
use entrad_testkit::InProcess;
use serde_json::Value;

const GRAPH: &str = "https://graph.microsoft.com/.default";

fn client(emulator: &InProcess, secret: &str) -> ConfidentialClient {
    let p = emulator.parameters("parameters.json");
    ConfidentialClient::builder(
        p["client_id"].as_str().unwrap(),
        Authority::parse(p["authority"].as_str().unwrap()).unwrap(),
        Credential::secret(secret),
    )
    .http(
        HttpOptions::new()
            .with_ca_file(emulator.emulator.ca_file())
            .with_retry_policy(crate::support::fast_retries()),
    )
    .build()
    .unwrap()
}

fn secret(emulator: &InProcess) -> String {
    emulator.parameters("parameters.json")["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A pipeline as an Azure SDK client builds one: the bearer policy per try.
fn pipeline(emulator: &InProcess, credential: Arc<dyn TokenCredential>) -> Pipeline {
    let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(credential, [GRAPH]));
    let options = ClientOptions {
        transport: Some(entrad_testkit::azure_transport(emulator.emulator.ca_file()).unwrap()),
        ..ClientOptions::default()
    };
    Pipeline::new(
        Some("entrad-auth-tests"),
        Some("0"),
        options,
        Vec::new(),
        vec![auth],
        None,
    )
}

async fn list_users(emulator: &InProcess, pipeline: &Pipeline) -> azure_core::Result<Value> {
    let url = Url::parse(&emulator.url("/v1.0/users")).unwrap();
    let mut request = Request::new(url, Method::Get);
    let response = pipeline.send(&Context::new(), &mut request, None).await?;
    assert_eq!(response.status(), StatusCode::Ok);
    response.into_body().json()
}

#[tokio::test(flavor = "multi_thread")]
async fn azure_core_pipelines_call_graph_with_entrad_tokens_from_one_cache() {
    let emulator = InProcess::start(7).await.unwrap();
    let credential = AzureCoreCredential::new(client(&emulator, &secret(&emulator))).into_arc();
    emulator.admin().reset_stats().await.unwrap();

    // Two pipelines (two SDK clients) sharing one credential: each bearer policy
    // asks the credential once; entrad's cache answers the second.
    let first = list_users(&emulator, &pipeline(&emulator, credential.clone()))
        .await
        .unwrap();
    let second = list_users(&emulator, &pipeline(&emulator, credential.clone()))
        .await
        .unwrap();
    assert_eq!(first["value"].as_array().unwrap().len(), 7, "{first}");
    assert_eq!(first["value"], second["value"]);

    let stats = emulator.admin().stats().await.unwrap();
    assert_eq!(stats.route("users"), 2, "both pipelines reached Graph");
    assert_eq!(
        stats.route("token"),
        1,
        "one token request for both pipelines"
    );

    // The token handed to the SDK is the one entrad caches, with its expiry.
    let direct = credential.get_token(&[GRAPH], None).await.unwrap();
    assert!(direct.expires_on > azure_core::time::OffsetDateTime::now_utc());
    assert_eq!(emulator.admin().stats().await.unwrap().route("token"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_secret_is_a_credential_error_with_entrads_cause_and_no_secret() {
    let emulator = InProcess::start(1).await.unwrap();
    let wrong = format!("{}-wrong", secret(&emulator));
    let credential = AzureCoreCredential::new(client(&emulator, &wrong)).into_arc();

    let error = list_users(&emulator, &pipeline(&emulator, credential))
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), azure_core::error::ErrorKind::Credential);
    // entrad's error is in the chain (the pipeline may wrap the credential's error).
    let mut chain: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let cause = std::iter::from_fn(|| {
        let current = chain?;
        chain = current.source();
        Some(current)
    })
    .find_map(|e| e.downcast_ref::<entrad_auth::Error>())
    .unwrap_or_else(|| panic!("no entrad_auth::Error in the chain of {error:?}"));
    assert_eq!(cause.kind(), entrad_auth::ErrorKind::Authentication);
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("AADSTS7000215"), "{shown}");
    assert!(!shown.contains(&wrong), "the secret leaked: {shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_token_service_is_an_io_error() {
    let emulator = InProcess::start(1).await.unwrap();
    let credential = AzureCoreCredential::new(client(&emulator, &secret(&emulator)));
    emulator.stop().await;

    let error = credential.get_token(&[GRAPH], None).await.unwrap_err();
    assert_eq!(*error.kind(), azure_core::error::ErrorKind::Io, "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_managed_identity_as_a_dyn_token_source_serves_an_azure_core_pipeline() {
    use entrad_auth::{ManagedIdentity, ManagedIdentityClient, TokenSource};

    let emulator = InProcess::start(3).await.unwrap();
    let identity = ManagedIdentityClient::builder(ManagedIdentity::SystemAssigned)
        .environment(emulator.mi_env("app-service"))
        .http(HttpOptions::new().with_retry_policy(crate::support::fast_retries()))
        .build()
        .unwrap();
    let source: Arc<dyn TokenSource> = Arc::new(identity);
    let credential = AzureCoreCredential::new(source).into_arc();

    let users = list_users(&emulator, &pipeline(&emulator, credential))
        .await
        .unwrap();
    assert_eq!(users["value"].as_array().unwrap().len(), 3, "{users}");
}
