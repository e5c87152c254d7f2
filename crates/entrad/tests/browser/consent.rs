//! The quickstart's step 4 in Chromium: an administrator opens the admin consent URL,
//! signs in, reads what the app asks for and accepts or cancels; the app gets the
//! redirect Entra sends; `entrad run parameters-unconsented.json` answers 403 before
//! and 200 after.

use entrad_emulator::{GLOBAL_ADMINISTRATOR, UNCONSENTED_CLIENT_ID};
use fantoccini::{Client, Locator};

use super::{App, PAGE_TIMEOUT, browser, click, text_of, text_when, wait_for_url};
use crate::support::{Emulator, stderr_of};

/// `entrad run parameters-unconsented.json` with a token cache of its own (a cached
/// token would keep the roles it was issued with); its exit code.
fn run_unconsented(emulator: &Emulator) -> Option<i32> {
    let output = emulator
        .run("parameters-unconsented.json")
        .env("ENTRAD_CACHE", "memory")
        .output()
        .unwrap();
    if output.status.code() == Some(4) {
        let stderr = stderr_of(&output);
        assert!(stderr.contains("Insufficient privileges"), "{stderr}");
    }
    output.status.code()
}

/// The admin consent URL of the unconsented app, as `entrad consent-url` prints it,
/// with a redirect URI and a state.
fn consent_url(emulator: &Emulator, redirect_uri: &str) -> String {
    let parameters = emulator.parameters("parameters-unconsented.json");
    let mut url = url::Url::parse(&format!(
        "{}/adminconsent",
        parameters["authority"].as_str().unwrap()
    ))
    .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", UNCONSENTED_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "step-4");
    url.to_string()
}

/// Picks the first Global Administrator on the sign-in page.
async fn sign_in_as_admin(client: &Client) -> String {
    let admin = client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::XPath(
            "//button[@class='account'][span[@class='role']]",
        ))
        .await
        .unwrap();
    let upn = admin.attr("data-upn").await.unwrap().unwrap();
    admin.click().await.unwrap();
    upn
}

#[test]
fn an_administrator_accepts_and_graph_answers_200_where_it_answered_403() {
    let emulator = Emulator::start(5);
    let app = App::start();
    assert_eq!(run_unconsented(&emulator), Some(4), "403 before consent");
    let browser = browser(&emulator);
    let url = consent_url(&emulator, &app.redirect_uri());
    let tenant = emulator.ready().line.clone();
    emulator.block_on(async {
        let client = browser.client();
        client.goto(&url).await.unwrap();
        assert_eq!(text_of(client, "h1").await, "Pick an account");
        browser.screenshot("consent-1-sign-in").await.unwrap();
        let upn = sign_in_as_admin(client).await;
        text_when(client, ".who", |t| t == upn).await;
        assert_eq!(text_of(client, "#app-name").await, "entrad-unconsented");
        assert_eq!(
            text_of(client, "#publisher").await,
            "entrademo.onmicrosoft.com"
        );
        let permissions = text_of(client, ".permissions").await;
        assert!(
            permissions.contains("Read all users' full profiles")
                && permissions.contains("User.Read.All"),
            "{permissions}"
        );
        browser.screenshot("consent-2-permissions").await.unwrap();
    });
    // Opening the pages and signing in granted nothing.
    assert_eq!(
        run_unconsented(&emulator),
        Some(4),
        "a GET or sign-in granted consent"
    );
    let tenant_id = serde_json::from_str::<serde_json::Value>(&tenant).unwrap()["tenant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let back = format!(
        "{}?admin_consent=True&tenant={tenant_id}&state=step-4",
        app.redirect_uri()
    );
    emulator.block_on(async {
        let client = browser.client();
        click(client, "#accept").await;
        wait_for_url(client, &back).await;
        assert_eq!(text_of(client, "#app").await, "Back at the app");
    });
    assert!(
        app.was_sent(&format!(
            "/admin-consent?admin_consent=True&tenant={tenant_id}&state=step-4"
        )),
        "{:?}",
        app.targets
    );
    assert_eq!(run_unconsented(&emulator), Some(0), "200 after consent");
    emulator.block_on(browser.close());
}

#[test]
fn an_administrator_cancels_and_the_app_gets_aadsts65004() {
    let emulator = Emulator::start(5);
    let app = App::start();
    let browser = browser(&emulator);
    let url = consent_url(&emulator, &app.redirect_uri());
    emulator.block_on(async {
        let client = browser.client();
        client.goto(&url).await.unwrap();
        sign_in_as_admin(client).await;
        text_when(client, "h1", |t| t == "Permissions requested").await;
        click(client, "#cancel").await;
        text_of(client, "#app").await;
        let at = client.current_url().await.unwrap();
        assert_eq!(at.path(), "/admin-consent");
        let pairs: Vec<(String, String)> = at.query_pairs().into_owned().collect();
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["error", "error_subcode", "error_description", "state"]
        );
        assert_eq!(
            (pairs[0].1.as_str(), pairs[1].1.as_str()),
            ("access_denied", "cancel")
        );
        assert!(
            pairs[2].1.starts_with(
                "AADSTS65004: User declined to consent to access the app.\r\nTrace ID: "
            ),
            "{}",
            pairs[2].1
        );
        assert_eq!(pairs[3].1, "step-4");
    });
    assert_eq!(
        run_unconsented(&emulator),
        Some(4),
        "Cancel granted consent"
    );
    emulator.block_on(browser.close());
}

#[test]
fn a_user_without_an_admin_role_needs_admin_approval_until_given_one() {
    let emulator = Emulator::start(5);
    let app = App::start();
    let browser = browser(&emulator);
    let url = consent_url(&emulator, &app.redirect_uri());
    let user = emulator.block_on(async {
        let client = browser.client();
        client.goto(&url).await.unwrap();
        // Not an admin: the last account offered (admins come first).
        let accounts = client
            .find_all(Locator::Css("button.account"))
            .await
            .unwrap();
        let plain = accounts.last().unwrap();
        assert!(plain.find(Locator::Css(".role")).await.is_err());
        let upn = plain.attr("data-upn").await.unwrap().unwrap();
        // Typed, as a person with another account would.
        client
            .find(Locator::Css("#login"))
            .await
            .unwrap()
            .send_keys(&upn)
            .await
            .unwrap();
        click(client, "#next").await;
        text_when(client, "h1", |t| t == "Need admin approval").await;
        let text = text_of(client, "#need-admin").await;
        assert!(text.contains("only an admin can grant"), "{text}");
        assert!(client.find(Locator::Css("#accept")).await.is_err());
        browser
            .screenshot("consent-3-need-admin-approval")
            .await
            .unwrap();
        upn
    });
    emulator.set_roles(&user, &[GLOBAL_ADMINISTRATOR]);
    emulator.block_on(async {
        let client = browser.client();
        client.refresh().await.unwrap();
        text_when(client, "h1", |t| t == "Permissions requested").await;
        assert_eq!(text_of(client, ".who").await, user);
        browser.close().await;
    });
}

#[test]
fn an_unregistered_redirect_uri_gets_aadsts50011_on_a_page_and_no_redirect() {
    let emulator = Emulator::start(5);
    let browser = browser(&emulator);
    let url = consent_url(&emulator, "https://app.example/stolen");
    emulator.block_on(async {
        let client = browser.client();
        client.goto(&url).await.unwrap();
        let error = text_of(client, "#error").await;
        assert!(
            error.starts_with("AADSTS50011: The redirect URI 'https://app.example/stolen' specified in the request does not match the redirect URIs configured for the application '7b1e9d40-2c6f-4e8a-b3d5-9a0f1e2c4b87'."),
            "{error}"
        );
        assert_eq!(client.current_url().await.unwrap().as_str(), url);
        assert!(client.find(Locator::Css("button.account")).await.is_err());
        browser.screenshot("consent-4-redirect-uri-mismatch").await.unwrap();
        browser.close().await;
    });
}
