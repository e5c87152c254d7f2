//! The portal in Chromium: entered once through the ready line's one-time login URL;
//! consent granted and revoked from the apps page (and felt by `entrad run`); a 429
//! added on the faults page hits a real `entrad users`, and the live view shows it
//! with the requests that follow; users and groups searched and paged, a group's
//! members on its page, Global Administrator given and taken on the users page.

use entrad_emulator::UNCONSENTED_CLIENT_ID;
use fantoccini::{Client, Locator};

use super::{PAGE_TIMEOUT, browser, click, find, open_portal, text_of, text_when};
use crate::support::{Emulator, succeed};

fn run_unconsented(emulator: &Emulator) -> Option<i32> {
    emulator
        .run("parameters-unconsented.json")
        .env("ENTRAD_CACHE", "memory")
        .output()
        .unwrap()
        .status
        .code()
}

/// Waits until the unconsented app's consent cell reads `state`.
async fn consent_is(client: &Client, state: &str) {
    text_when(
        client,
        &format!("tr[data-client-id='{UNCONSENTED_CLIENT_ID}'] td.consent"),
        |t| t == state,
    )
    .await;
}

#[test]
fn the_portal_grants_and_revokes_consent_and_masks_secrets() {
    let emulator = Emulator::start(5);
    let base = emulator.ready().url.clone();
    let portal = emulator.ready().portal_url.as_deref().unwrap();
    assert!(portal.contains("/_emulator/portal/login?code="), "{portal}");
    let secret = emulator.parameters("parameters.json")["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let browser = browser(&emulator);
    emulator.block_on(async {
        let client = browser.client();
        // Without the session, the portal asks for the admin token.
        client
            .goto(&format!("{base}/_emulator/portal/"))
            .await
            .unwrap();
        text_of(client, "#token").await;
        open_portal(client, &emulator).await;
        consent_is(client, "Not granted").await;
        let source = client.source().await.unwrap();
        assert!(!source.contains(&secret), "a secret is shown in the portal");
        assert!(source.contains(&format!("{}************", &secret[..3])));
        browser.screenshot("portal-1-apps").await.unwrap();
        click(
            client,
            &format!("tr[data-client-id='{UNCONSENTED_CLIENT_ID}'] button.grant"),
        )
        .await;
        consent_is(client, "Granted").await;
    });
    assert_eq!(run_unconsented(&emulator), Some(0), "granted in the portal");
    emulator.block_on(async {
        let client = browser.client();
        click(
            client,
            &format!("tr[data-client-id='{UNCONSENTED_CLIENT_ID}'] button.revoke"),
        )
        .await;
        consent_is(client, "Not granted").await;
        // The login URL was good once.
        open_portal(client, &emulator).await;
        let error = text_of(client, "#login-error").await;
        assert!(error.contains("has been used"), "{error}");
    });
    assert_eq!(run_unconsented(&emulator), Some(4), "revoked in the portal");
    emulator.block_on(browser.close());
}

#[test]
fn a_429_added_in_the_portal_hits_entrad_users_and_the_live_view_shows_it() {
    let emulator = Emulator::start(30);
    let base = emulator.ready().url.clone();
    let browser = browser(&emulator);
    emulator.block_on(async {
        let client = browser.client();
        open_portal(client, &emulator).await;
        click(client, "a[href='/_emulator/portal/faults']").await;
        text_when(client, "#no-faults", |t| t.starts_with("No faults")).await;
        let form = client.form(Locator::Css("#add-fault")).await.unwrap();
        client
            .find(Locator::Css("#fault-route"))
            .await
            .unwrap()
            .select_by_value("users")
            .await
            .unwrap();
        client
            .find(Locator::Css("#fault-kind"))
            .await
            .unwrap()
            .select_by_value("429")
            .await
            .unwrap();
        client
            .find(Locator::Css("#fault-count"))
            .await
            .unwrap()
            .send_keys("1")
            .await
            .unwrap();
        form.submit_with(Locator::Css("#fault-add")).await.unwrap();
        let row = text_when(client, "#faults tbody tr", |t| !t.is_empty()).await;
        assert!(
            row.contains("users") && row.contains("429") && row.contains("1 times"),
            "{row}"
        );
        browser.screenshot("portal-2-faults").await.unwrap();
        click(client, "a[href='/_emulator/portal/requests']").await;
        text_when(client, "h1", |t| t == "Recent requests").await;
    });
    emulator.reset_stats();
    // The live view is open while entrad runs: its script adds the rows.
    succeed(emulator.configured().args(["users", "--format", "ndjson"]));
    assert_eq!(
        emulator.stats().faults(),
        1,
        "the portal's fault did not fire"
    );
    emulator.block_on(async {
        let client = browser.client();
        let throttled = client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::XPath(
                "//table[@id='requests']/tbody/tr[td[3]='/v1.0/users'][td[5]='429']",
            ))
            .await
            .expect("the live view shows the 429");
        assert!(throttled.text().await.unwrap().contains("users"));
        client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::XPath(
                "//table[@id='requests']/tbody/tr[td[3]='/v1.0/users'][td[5]='200']",
            ))
            .await
            .expect("the live view shows the retry's 200");
        browser.screenshot("portal-3-live-requests").await.unwrap();
        // The fault fired its one time and is gone.
        client
            .goto(&format!("{base}/_emulator/portal/faults"))
            .await
            .unwrap();
        text_of(client, "#no-faults").await;
        browser.close().await;
    });
}

#[test]
fn the_portal_searches_and_pages_users_and_groups_grants_global_administrator_and_removes_faults() {
    let emulator = Emulator::start(300);
    let base = emulator.ready().url.clone();
    emulator.add_fault(serde_json::json!({"route": "token", "kind": "503"}));
    let browser = browser(&emulator);
    let (upn, id) = emulator.block_on(async {
        let client = browser.client();
        open_portal(client, &emulator).await;
        click(client, "a[href='/_emulator/portal/users']").await;
        let count = text_of(client, "#count").await;
        assert_eq!(count, "300 users, showing 1 to 25.");
        click(client, "#next").await;
        text_when(client, "#count", |t| t == "300 users, showing 26 to 50.").await;
        let row = find(client, "#users tbody tr").await;
        let id = row.attr("data-user-id").await.unwrap().unwrap();
        let upn = row
            .find(Locator::Css("td:nth-child(2)"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        client
            .find(Locator::Css("#q"))
            .await
            .unwrap()
            .send_keys(&upn)
            .await
            .unwrap();
        click(client, "#search").await;
        text_when(client, "#count", |t| t.starts_with("1 users matching")).await;
        assert_eq!(
            text_of(client, "#users tbody tr td:nth-child(2)").await,
            upn
        );
        // Global Administrator, given in the portal.
        click(client, "#users tbody tr button.make-admin").await;
        text_when(client, "#users tbody tr td.roles", |t| {
            t == "Global Administrator"
        })
        .await;
        text_of(client, "#users tbody tr button.remove-admin").await;
        browser.screenshot("portal-4-users").await.unwrap();
        (upn, id)
    });
    assert_eq!(
        emulator.admin(|a| a.roles(&id)),
        serde_json::json!(["Global Administrator"])
    );
    emulator.block_on(async {
        let client = browser.client();
        click(client, "#users tbody tr button.remove-admin").await;
        text_when(client, "#count", |t| t.starts_with("1 users matching")).await;
        text_of(client, "#users tbody tr button.make-admin").await;
        assert_eq!(text_of(client, "#users tbody tr td.roles").await, "");
        // Groups: paged, and each one's members on its own page.
        click(client, "a[href='/_emulator/portal/groups']").await;
        assert_eq!(
            text_of(client, "#count").await,
            "30 groups, showing 1 to 25."
        );
        click(client, "#next").await;
        text_when(client, "#count", |t| t == "30 groups, showing 26 to 30.").await;
        browser.screenshot("portal-5-groups").await.unwrap();
        let members = text_of(client, "#groups tbody tr td.members").await;
        let name = text_of(client, "#groups tbody tr td:first-child").await;
        client
            .find(Locator::Css("#q"))
            .await
            .unwrap()
            .send_keys(&name)
            .await
            .unwrap();
        click(client, "#search").await;
        text_when(client, "#count", |t| t.starts_with("1 groups matching")).await;
        click(client, "#groups tbody tr td:first-child a").await;
        text_when(client, "h1", |t| t == name).await;
        assert_eq!(
            text_of(client, "#member-count").await,
            format!("{members} members")
        );
        let listed = client
            .find_all(Locator::Css("#members tbody tr"))
            .await
            .unwrap()
            .len();
        assert_eq!(listed.to_string(), members);
        browser.screenshot("portal-6-group").await.unwrap();
        client
            .goto(&format!("{base}/_emulator/portal/faults"))
            .await
            .unwrap();
        click(client, "#faults button.remove").await;
        text_when(client, "#no-faults", |t| t.starts_with("No faults")).await;
        browser.close().await;
    });
    assert_eq!(emulator.admin(|a| a.roles(&upn)), serde_json::json!([]));
    assert_eq!(emulator.faults()["faults"], serde_json::json!([]));
}

#[test]
fn the_tenant_switcher_picks_a_tenant_and_every_link_and_form_keeps_it() {
    let emulator = Emulator::start_tenants(30, 2);
    let (second_id, second) = emulator.tenants()[1].clone();
    let browser = browser(&emulator);
    emulator.block_on(async {
        let client = browser.client();
        open_portal(client, &emulator).await;
        let first_id = text_of(client, "#tenant-id").await;
        assert_ne!(first_id, second_id);
        let switcher = client.form(Locator::Css("#tenant-switch")).await.unwrap();
        find(client, "#tenant")
            .await
            .select_by_value(&second)
            .await
            .unwrap();
        switcher
            .submit_with(Locator::Css("#switch-tenant"))
            .await
            .unwrap();
        text_when(client, "#tenant-id", |t| t == second_id).await;
        browser.screenshot("portal-7-second-tenant").await.unwrap();
        // Each link of the navigation stays in the tenant chosen.
        let query = format!("?tenant={second}");
        click(
            client,
            &format!("nav a[href='/_emulator/portal/users{query}']"),
        )
        .await;
        let upn = text_when(client, "#users tbody tr td:nth-child(2)", |t| !t.is_empty()).await;
        assert!(upn.ends_with(&format!("@{second}")), "{upn}");
        let chosen = find(client, "#tenant option[selected]").await;
        assert_eq!(
            chosen.attr("value").await.unwrap().as_deref(),
            Some(second.as_str())
        );
        click(
            client,
            &format!("nav a[href='/_emulator/portal/groups{query}']"),
        )
        .await;
        text_when(client, "#count", |t| t.ends_with("showing 1 to 3.")).await;
        click(client, "#groups tbody tr td a").await;
        click(
            client,
            &format!("#all-groups[href='/_emulator/portal/groups{query}']"),
        )
        .await;
        click(
            client,
            &format!("nav a[href='/_emulator/portal/requests{query}']"),
        )
        .await;
        text_when(client, "h1", |t| t == "Recent requests").await;
        click(
            client,
            &format!("nav a[href='/_emulator/portal/faults{query}']"),
        )
        .await;
        // A fault added from the second tenant's page comes back to it.
        let form = client.form(Locator::Css("#add-fault")).await.unwrap();
        find(client, "#fault-route")
            .await
            .select_by_value("users")
            .await
            .unwrap();
        find(client, "#fault-kind")
            .await
            .select_by_value("503")
            .await
            .unwrap();
        form.submit_with(Locator::Css("#fault-add")).await.unwrap();
        text_when(client, "#faults tbody tr", |t| t.contains("503")).await;
        let url = client.current_url().await.unwrap();
        assert_eq!(
            url.query(),
            Some(format!("tenant={second}").as_str()),
            "{url}"
        );
        click(client, &format!("nav a[href='/_emulator/portal/{query}']")).await;
        text_when(client, "#tenant-id", |t| t == second_id).await;
        browser.close().await;
    });
}

/// The ids `entrad <what> --format ndjson` lists.
fn ids(emulator: &Emulator, what: &str) -> Vec<String> {
    let output = succeed(emulator.configured().args([what, "--format", "ndjson"]));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn a_large_groups_members_are_paged() {
    let emulator = Emulator::start(60);
    let group = ids(&emulator, "groups").remove(0);
    for user in ids(&emulator, "users") {
        emulator.admin(|a| a.add_member(&group, &user));
    }
    let base = emulator.ready().url.clone();
    let browser = browser(&emulator);
    emulator.block_on(async {
        let client = browser.client();
        open_portal(client, &emulator).await;
        client
            .goto(&format!("{base}/_emulator/portal/groups/{group}"))
            .await
            .unwrap();
        text_when(client, "#member-count", |t| t == "60 members").await;
        // Each row's text (name, UPN, object id) on the page shown.
        let rows = |client: &fantoccini::Client| {
            let client = client.clone();
            async move {
                let mut texts = Vec::new();
                for row in client
                    .find_all(Locator::Css("#members tbody tr"))
                    .await
                    .unwrap()
                {
                    texts.push(row.text().await.unwrap());
                }
                texts
            }
        };
        let first = rows(client).await;
        assert_eq!(first.len(), 25);
        click(client, "#next").await;
        text_when(client, ".paging", |t| t.contains("Page 2")).await;
        let second = rows(client).await;
        assert_eq!(second.len(), 25);
        click(client, "#next").await;
        text_when(client, ".paging", |t| t.contains("Page 3")).await;
        let third = rows(client).await;
        assert_eq!(third.len(), 10);
        // The pages differ: together they show each of the 60 members once.
        let shown: std::collections::HashSet<&String> =
            first.iter().chain(&second).chain(&third).collect();
        assert_eq!(
            shown.len(),
            60,
            "pages repeat members: {first:?} {second:?} {third:?}"
        );
        browser.screenshot("portal-8-group-members").await.unwrap();
        browser.close().await;
    });
}

/// `entrad api POST /v1.0/users` as the consented app, with a fresh token.
fn create_user(emulator: &Emulator) -> std::process::Output {
    let user = serde_json::json!({"accountEnabled": true, "displayName": "Browser Made",
        "mailNickname": "browser.made", "userPrincipalName": "browser.made@entrademo.onmicrosoft.com",
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}});
    emulator
        .configured()
        .env("ENTRAD_CACHE", "memory")
        .args(["api", "/v1.0/users", "--input", "-"])
        .write_stdin(user.to_string())
        .output()
        .unwrap()
}

#[test]
fn the_apps_page_grants_a_write_permission_that_the_next_token_carries() {
    let emulator = Emulator::start(5);
    let refused = create_user(&emulator);
    assert_eq!(refused.status.code(), Some(4), "read roles only at first");
    let app = entrad_emulator::CONSENTED_CLIENT_ID;
    let browser = browser(&emulator);
    emulator.block_on(async {
        let client = browser.client();
        open_portal(client, &emulator).await;
        let form = format!("form.roles[data-client-id='{app}']");
        let read = find(client, &format!("{form} input[value='User.Read.All']")).await;
        assert_eq!(read.prop("checked").await.unwrap().as_deref(), Some("true"));
        click(client, &format!("{form} input[value='User.ReadWrite.All']")).await;
        browser.screenshot("portal-5-permissions").await.unwrap();
        click(client, &format!("{form} button.save-roles")).await;
        text_when(
            client,
            &format!("tr[data-client-id='{app}'] td.permissions"),
            |t| t.contains("User.ReadWrite.All"),
        )
        .await;
    });
    let created = create_user(&emulator);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let user: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(user["displayName"], "Browser Made");
    emulator.block_on(browser.close());
}
