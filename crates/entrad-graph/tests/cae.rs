//! Continuous access evaluation against the real emulator (in process, over
//! TLS on loopback): clients declaring `cp1` get long-lived tokens; an event
//! recorded mid-listing makes Graph answer the next page with a claims
//! challenge, which costs one token request and loses no user. The repeated
//! challenge is a narrow wiremock case.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use entrad_auth::{Authority, ConfidentialClient, Credential, RedisCache, TokenCache};
use entrad_graph::{Error, ErrorKind, GraphClient, HttpOptions};
use entrad_testkit::{InProcess, token_service};
use futures_util::StreamExt;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const GRAPH: &str = "https://graph.microsoft.com/.default";
const USERS: usize = 230;
const PAGE: usize = 50;

/// The consented app's token client, with `cp1` unless `capabilities` is empty.
fn auth(
    emulator: &InProcess,
    capabilities: &[&str],
    cache: Option<Arc<dyn TokenCache>>,
) -> ConfidentialClient {
    let p = emulator.parameters("parameters.json");
    let mut builder = ConfidentialClient::builder(
        p["client_id"].as_str().unwrap(),
        Authority::parse(p["authority"].as_str().unwrap()).unwrap(),
        Credential::secret(p["secret"].as_str().unwrap()),
    )
    .http(HttpOptions::new().with_ca_file(emulator.emulator.ca_file()))
    .client_capabilities(capabilities.iter().copied());
    if let Some(cache) = cache {
        builder = builder.cache(cache);
    }
    builder.build().unwrap()
}

fn graph(emulator: &InProcess, auth: ConfidentialClient) -> GraphClient {
    GraphClient::builder(auth)
        .base_url(Url::parse(&emulator.base).unwrap())
        .http(
            HttpOptions::new()
                .with_ca_file(emulator.emulator.ca_file())
                .with_retry_policy(quick_retries(3)),
        )
        .build()
        .unwrap()
}

fn client_id(emulator: &InProcess) -> String {
    emulator.parameters("parameters.json")["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn stat(emulator: &InProcess, route: &str) -> u64 {
    emulator.admin().stats().await.unwrap().route(route)
}

/// Graph's claims challenges sent, and token requests that carried one's claims.
async fn challenges(emulator: &InProcess) -> (u64, u64) {
    let events = emulator.admin().cae_events().await.unwrap();
    (
        events["challenges_sent"].as_u64().unwrap(),
        events["challenges_answered"].as_u64().unwrap(),
    )
}

/// The claims of a JWT, unverified.
fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Waits until the clock has moved to a later second than now: events are
/// compared with issue times in whole seconds, as the claims' `nbf` is.
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// Lists every user, `PAGE` per page; `between` runs after the first page.
async fn list_with<F: std::future::Future<Output = ()>>(
    graph: &GraphClient,
    between: impl FnOnce() -> F,
) -> Result<Vec<String>, Error> {
    let mut pages = Box::pin(graph.users().top(PAGE as u32).pages());
    let mut ids = Vec::new();
    let first = pages.next().await.expect("a first page")?;
    ids.extend(
        first
            .value
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned()),
    );
    between().await;
    while let Some(page) = pages.next().await {
        let page = page?;
        ids.extend(
            page.value
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
    }
    Ok(ids)
}

fn assert_every_user_once(ids: &[String]) {
    assert_eq!(ids.len(), USERS);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), USERS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cp1_client_gets_a_long_lived_token_carrying_xms_cc() {
    let emulator = InProcess::start(3).await.unwrap();
    let token = auth(&emulator, &["cp1"], None)
        .acquire_token(&[GRAPH])
        .await
        .unwrap();
    let claims = jwt_claims(token.secret());
    assert_eq!(claims["xms_cc"], json!(["cp1"]));
    let lifetime = token
        .expires_on()
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(lifetime > Duration::from_secs(23 * 3600), "{lifetime:?}");
    let plain = auth(&emulator, &[], None)
        .acquire_token(&[GRAPH])
        .await
        .unwrap();
    assert_eq!(jwt_claims(plain.secret())["xms_cc"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_change_mid_listing_costs_one_token_request_and_loses_no_user() {
    let emulator = InProcess::start(USERS).await.unwrap();
    let id = client_id(&emulator);
    let cae = graph(&emulator, auth(&emulator, &["cp1"], None));
    // A client without cp1, whose token was obtained before the event too.
    let plain = graph(&emulator, auth(&emulator, &[], None));
    plain.get_json("v1.0/users?$top=1").await.unwrap();
    emulator.admin().reset_stats().await.unwrap();
    let ids = list_with(&cae, || async {
        next_second().await;
        emulator
            .admin()
            .cae_event("location_policy_changed", Some(&id))
            .await
            .unwrap();
    })
    .await
    .unwrap();
    assert_every_user_once(&ids);
    assert_eq!(
        stat(&emulator, "token").await,
        2,
        "the first token and one for the challenge"
    );
    // Five pages and the one request Graph challenged, answered with its claims.
    assert_eq!(stat(&emulator, "users").await, 6);
    assert_eq!(challenges(&emulator).await, (1, 1));
    // The new token is served from then on; the plain token stays valid.
    cae.get_json("v1.0/users?$top=1").await.unwrap();
    plain.get_json("v1.0/users?$top=1").await.unwrap();
    assert_eq!(stat(&emulator, "token").await, 2);
    assert_eq!(stat(&emulator, "users").await, 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delta_round_answers_the_challenge_mid_round() {
    let emulator = InProcess::start(USERS).await.unwrap();
    let cae = graph(&emulator, auth(&emulator, &["cp1"], None));
    let path = format!("v1.0/users/delta?$select=id&$top={PAGE}");
    let mut pages = Box::pin(cae.pages(&path));
    let mut ids: Vec<String> = Vec::new();
    let mut delta_link = None;
    let mut first = true;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        ids.extend(
            page.value
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
        delta_link = page.delta_link.or(delta_link);
        if std::mem::take(&mut first) {
            next_second().await;
            emulator
                .admin()
                .cae_event("risk_policy_changed", None)
                .await
                .unwrap();
        }
    }
    assert_every_user_once(&ids);
    assert!(delta_link.is_some());
    assert_eq!(stat(&emulator, "token").await, 2);
    assert_eq!(challenges(&emulator).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_service_principal_stops_the_cae_listing_with_aadsts7000112() {
    let emulator = InProcess::start(USERS).await.unwrap();
    let id = client_id(&emulator);
    let cae = graph(&emulator, auth(&emulator, &["cp1"], None));
    let plain = graph(&emulator, auth(&emulator, &[], None));
    plain.get_json("v1.0/users?$top=1").await.unwrap();
    let err = list_with(&cae, || async {
        next_second().await;
        emulator
            .admin()
            .cae_event("service_principal_disabled", Some(&id))
            .await
            .unwrap();
    })
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    let Error::Auth(auth_error) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        auth_error.service_error().unwrap().error_codes,
        vec![7000112]
    );
    assert_eq!(challenges(&emulator).await, (1, 1));
    // A token without cp1 stays valid until it expires.
    plain.get_json("v1.0/users?$top=1").await.unwrap();
    // Enabled again, the listing works with a new token.
    emulator.admin().cae_enable(&id).await.unwrap();
    let ids = list_with(&cae, || async {}).await.unwrap();
    assert_every_user_once(&ids);
}

/// The test: two clients (each its own token client, Redis
/// connection and copy of the token, as two processes have) share a Redis
/// store; one lists while the event happens, the other holds the old token.
#[tokio::test(flavor = "multi_thread")]
async fn two_clients_sharing_redis_recover_from_an_event_with_one_token_request() {
    let emulator = InProcess::start(USERS).await.unwrap();
    let id = client_id(&emulator);
    let prefix = format!("entrad-cae-{}:", uuid::Uuid::new_v4().simple());
    let store = || -> Arc<dyn TokenCache> {
        Arc::new(
            RedisCache::new(&entrad_testkit::redis_url())
                .unwrap()
                .with_prefix(&prefix),
        )
    };
    let (auth_one, auth_two) = (
        auth(&emulator, &["cp1"], Some(store())),
        auth(&emulator, &["cp1"], Some(store())),
    );
    let (one, two) = (
        graph(&emulator, auth_one.clone()),
        graph(&emulator, auth_two.clone()),
    );
    emulator.admin().reset_stats().await.unwrap();
    // The second client caches the long-lived token; the first finds it in Redis.
    two.get_json("v1.0/users?$top=1").await.unwrap();
    let old = auth_two.acquire_token(&[GRAPH]).await.unwrap();
    let ids = list_with(&one, || async {
        next_second().await;
        emulator
            .admin()
            .cae_event("location_policy_changed", Some(&id))
            .await
            .unwrap();
    })
    .await
    .unwrap();
    assert_every_user_once(&ids);
    assert_eq!(stat(&emulator, "token").await, 2, "one extra token request");
    assert_eq!(challenges(&emulator).await, (1, 1));
    let new = auth_one.acquire_token(&[GRAPH]).await.unwrap();
    assert_ne!(new.secret(), old.secret());
    // The other client's next call: challenged, it finds the new token in
    // Redis, newer than the event, and makes no token request.
    let page = two.get_json("v1.0/users?$top=3").await.unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
    assert_eq!(stat(&emulator, "token").await, 2);
    assert_eq!(
        challenges(&emulator).await,
        (2, 1),
        "challenged, answered from Redis"
    );
    assert_eq!(
        auth_two.acquire_token(&[GRAPH]).await.unwrap().secret(),
        new.secret()
    );
}

#[tokio::test]
async fn a_second_challenge_for_the_same_request_is_an_error_that_says_so() {
    let server = MockServer::start().await;
    metadata(&server).await;
    let challenge = json!({"access_token": {"nbf": {"essential": true, "value": "1700000000"}}});
    Mock::given(method("POST"))
        .and(path(token_path()))
        .and(body_string_contains("claims="))
        .respond_with(token_service::token_ok(TOKEN, 86_399))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "www-authenticate",
                    format!(
                        "Bearer realm=\"\", error=\"insufficient_claims\", claims=\"{}\"",
                        STANDARD.encode(challenge.to_string())
                    )
                    .as_str(),
                )
                .set_body_json(json!({"error": {
                    "code": "InvalidAuthenticationToken",
                    "message": "Continuous access evaluation resulted in claims challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp"
                }})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let graph = GraphClient::builder(
        auth_builder(&server)
            .client_capabilities(["cp1"])
            .build()
            .unwrap(),
    )
    .base_url(Url::parse(&server.uri()).unwrap())
    .allow_insecure_loopback(true)
    .http(HttpOptions::new().with_retry_policy(quick_retries(3)))
    .build()
    .unwrap();
    let err = graph.get_json("v1.0/users").await.unwrap_err();
    assert!(
        matches!(err, Error::ClaimsChallengeRepeated { .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Permission);
    let text = err.to_string();
    assert!(text.contains("second claims challenge"), "{text}");
    assert!(
        text.contains("TokenIssuedBeforeRevocationTimestamp"),
        "{text}"
    );
    // The first request declared cp1; the second merged it with the challenge.
    let forms: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == token_path())
        .map(|r| {
            let claims = url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "claims")
                .unwrap()
                .1
                .into_owned();
            serde_json::from_str(&claims).unwrap()
        })
        .collect();
    assert_eq!(
        forms,
        vec![
            json!({"access_token": {"xms_cc": {"values": ["cp1"]}}}),
            json!({"access_token": {
                "nbf": {"essential": true, "value": "1700000000"},
                "xms_cc": {"values": ["cp1"]}
            }}),
        ]
    );
}
