//! Credential rotation while a listing runs: the app's secret in use is removed
//! mid-listing, the client's credential list moves on to the next secret when the
//! token service refuses the old one (AADSTS7000215), and no user is lost or
//! repeated. Against the real emulator over TLS.

use std::collections::HashSet;

use entrad_auth::{Authority, ConfidentialClient, Credential};
use entrad_graph::{GraphClient, HttpOptions};
use entrad_testkit::InProcess;
use futures_util::StreamExt as _;
use url::Url;

const GRAPH: &str = "https://graph.microsoft.com/.default";
const USERS: usize = 120;

#[tokio::test(flavor = "multi_thread")]
async fn removing_the_secret_in_use_mid_listing_moves_to_the_next_and_loses_nothing() {
    let emulator = InProcess::start(USERS).await.unwrap();
    let p = emulator.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap();
    let admin = emulator.admin();
    let old = admin.add_secret(client_id, None).await.unwrap();
    let new = admin.add_secret(client_id, None).await.unwrap();
    let credential = Credential::list(vec![
        Credential::secret(old["value"].as_str().unwrap()),
        Credential::secret(new["value"].as_str().unwrap()),
    ])
    .unwrap();
    let auth = ConfidentialClient::builder(
        client_id,
        Authority::parse(p["authority"].as_str().unwrap()).unwrap(),
        credential,
    )
    .http(HttpOptions::new().with_ca_file(emulator.dir.path().join("ca.pem")))
    .build()
    .unwrap();
    let graph = GraphClient::builder(auth.clone())
        .base_url(Url::parse(&emulator.base).unwrap())
        .build()
        .unwrap();
    admin.reset_stats().await.unwrap();

    let mut ids = HashSet::new();
    let mut items = 0;
    let mut pages = Box::pin(graph.users().top(10).pages());
    let mut first = true;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        for user in &page.value {
            items += 1;
            ids.insert(user["id"].as_str().unwrap().to_owned());
        }
        if first {
            first = false;
            // The admin rotates: the secret in use goes. The token then runs out
            // (or Graph refuses it), so the next page needs a new one.
            let key_id = old["key_id"].as_str().unwrap();
            admin.remove_secret(client_id, key_id).await.unwrap();
            auth.forget_token(&[GRAPH]).await.unwrap();
        }
    }
    assert_eq!(items, USERS, "every user once");
    assert_eq!(ids.len(), USERS);
    // The old secret, its refusal, the new secret.
    assert_eq!(admin.stats().await.unwrap().route("token"), 3);

    // The client remembers the secret that works: one request from now on.
    auth.forget_token(&[GRAPH]).await.unwrap();
    auth.acquire_token(&[GRAPH]).await.unwrap();
    assert_eq!(admin.stats().await.unwrap().route("token"), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_refusals_are_not_retried_with_the_next_credential() {
    let emulator = InProcess::start(1).await.unwrap();
    let p = emulator.parameters("parameters.json");
    let credential = Credential::list(vec![
        Credential::secret(p["secret"].as_str().unwrap()),
        Credential::secret("never-tried"),
    ])
    .unwrap();
    // An unknown scope is the request's fault, not the credential's.
    let auth = ConfidentialClient::builder(
        p["client_id"].as_str().unwrap(),
        Authority::parse(p["authority"].as_str().unwrap()).unwrap(),
        credential,
    )
    .http(HttpOptions::new().with_ca_file(emulator.dir.path().join("ca.pem")))
    .build()
    .unwrap();
    emulator.admin().reset_stats().await.unwrap();
    let e = auth
        .acquire_token(&["https://unknown.example/.default"])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("AADSTS"), "{e}");
    assert_eq!(emulator.admin().stats().await.unwrap().route("token"), 1);
    assert!(Credential::list(Vec::new()).is_err());
}
