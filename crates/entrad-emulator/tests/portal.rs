//! The portal over HTTP (the Chromium walk is in the CLI's `browser` tests): the
//! admin token or the one-time login URL opens a session, every form needs the
//! session's CSRF token, pages carry a strict policy, secrets stay masked, and the
//! JSON admin API still wants its bearer token.

use entrad_emulator::UNCONSENTED_CLIENT_ID;
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::json;

/// A browser session in the portal.
struct Portal<'a> {
    h: &'a InProcess,
    cookie: String,
    csrf: String,
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    page[at..at + 64].to_owned()
}

impl<'a> Portal<'a> {
    /// Opens the login page and enters the admin token.
    async fn log_in(h: &'a InProcess) -> Portal<'a> {
        let login = h
            .client
            .get(h.url("/_emulator/portal/login"))
            .send()
            .await
            .unwrap();
        let cookie = login.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let page = login.text().await.unwrap();
        let portal = Portal {
            h,
            cookie,
            csrf: csrf_of(&page),
        };
        let wrong = portal
            .post(
                "/_emulator/portal/login",
                &[("token", "0".repeat(64).as_str())],
            )
            .await;
        assert_eq!(wrong.status(), 401);
        let token = h.emulator.admin_token().unwrap().to_owned();
        let entered = portal
            .post("/_emulator/portal/login", &[("token", token.as_str())])
            .await;
        assert_eq!(entered.status(), 303);
        assert_eq!(entered.headers()["location"], "/_emulator/portal/");
        // The login begins a new session: its cookie, and its CSRF token from a page.
        let mut portal = Portal {
            cookie: set_cookie(&entered).unwrap(),
            ..portal
        };
        portal.csrf = csrf_of(&portal.get("/_emulator/portal/").await.text().await.unwrap());
        portal
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.h
            .client
            .get(self.h.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Posts `fields` and the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_unchecked(path, &form).await
    }

    /// Posts `form` as it is: without the CSRF token unless it holds one (a forgery).
    async fn post_unchecked<T: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        form: &T,
    ) -> reqwest::Response {
        self.h
            .client
            .post(self.h.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn the_admin_token_opens_the_portal_whose_forms_need_the_csrf_token() {
    let h = InProcess::start(3).await.unwrap();
    let closed = h
        .client
        .get(h.url("/_emulator/portal/"))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 303);
    assert_eq!(closed.headers()["location"], "/_emulator/portal/login");
    let portal = Portal::log_in(&h).await;
    let apps = portal.get("/_emulator/portal/").await;
    assert_eq!(apps.status(), 200);
    let csp = apps.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self';")
            && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let page = apps.text().await.unwrap();
    assert!(page.contains(h.emulator.tenant_id()));
    let secret = h.parameters("parameters.json")["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!page.contains(&secret), "a secret is shown");
    // Grant: refused without the token, done with it.
    let forged = portal
        .post_unchecked(
            "/_emulator/portal/consent",
            &[("client_id", UNCONSENTED_CLIENT_ID), ("granted", "true")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let consented = |apps: &serde_json::Value| {
        apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["client_id"] == UNCONSENTED_CLIENT_ID)
            .unwrap()["consented"]
            .clone()
    };
    assert_eq!(consented(&h.admin().apps().await.unwrap()), json!(false));
    let granted = portal
        .post(
            "/_emulator/portal/consent",
            &[("client_id", UNCONSENTED_CLIENT_ID), ("granted", "true")],
        )
        .await;
    assert_eq!(granted.status(), 303);
    assert_eq!(consented(&h.admin().apps().await.unwrap()), json!(true));
    // Faults added in the portal are the admin API's faults.
    let added = portal
        .post(
            "/_emulator/portal/faults",
            &[
                ("route", "users"),
                ("kind", "429"),
                ("count", "2"),
                ("retry_after", "3"),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let faults = h.admin().faults().await.unwrap();
    assert_eq!(
        faults["faults"][0],
        json!({"id": 1, "route": "users", "kind": "429", "count": 2, "retry_after": 3, "fired": 0})
    );
    let bad = portal
        .post(
            "/_emulator/portal/faults",
            &[("route", "nope"), ("kind", "429")],
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("unknown route"));
    // A portal session is not the admin API's bearer token.
    let stats = h
        .client
        .get(h.url("/_emulator/stats"))
        .header("cookie", &portal.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), 401);
    // Signing out closes the portal to this session.
    assert_eq!(
        portal.post("/_emulator/portal/logout", &[]).await.status(),
        303
    );
    assert_eq!(portal.get("/_emulator/portal/").await.status(), 303);
}

/// The live view's JSON: the requests after `after`, newest first.
async fn recent_requests(h: &InProcess, cookie: &str, after: u64) -> serde_json::Value {
    h.client
        .get(h.url(&format!("/_emulator/portal/requests.json?after={after}")))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_one_time_login_url_works_once_and_the_live_view_lists_requests() {
    let h = InProcess::start(3).await.unwrap();
    let url = h.emulator.portal_url();
    assert!(h.emulator.ready_line().contains(&url));
    let first = h.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 303);
    let cookie = first.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(h.client.get(&url).send().await.unwrap().status(), 403);
    let token = h.token().await;
    let (status, _) = h.get_json("/v1.0/users?$top=2", &token).await;
    assert_eq!(status, 200);
    let recent = recent_requests(&h, &cookie, 0).await;
    let newest = &recent["requests"][0];
    assert_eq!(newest["path"], "/v1.0/users", "{recent}");
    assert_eq!(newest["status"], 200);
    assert!(newest["latency_ms"].as_f64().unwrap() >= 0.0);
    let after = newest["seq"].as_u64().unwrap();
    let none = recent_requests(&h, &cookie, after).await;
    assert_eq!(none["requests"], json!([]));
    let script = h
        .client
        .get(h.url("/_emulator/portal/static/live.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        h.admin_status(Method::GET, "/stats", None).await,
        200,
        "the admin API is unchanged"
    );
}

#[tokio::test]
async fn the_groups_page_searches_pages_and_counts_members_and_lists_them_on_their_own_page() {
    let h = InProcess::start(300).await.unwrap();
    let portal = Portal::log_in(&h).await;
    let page = portal.get("/_emulator/portal/groups").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none';")
    );
    let first = page.text().await.unwrap();
    assert!(
        first.contains("href=\"/_emulator/portal/groups\""),
        "no nav link"
    );
    assert!(first.contains("30 groups, showing 1 to 25."), "{first}");
    let last = portal
        .get("/_emulator/portal/groups?page=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(last.contains("30 groups, showing 26 to 30."), "{last}");
    // Graph's view of a group: the portal's count and members are the directory's.
    let token = h.token().await;
    let (status, groups) = h.get_json("/v1.0/groups?$top=999", &token).await;
    assert_eq!(status, 200);
    let group = &groups["value"][7];
    let (id, name) = (
        group["id"].as_str().unwrap(),
        group["displayName"].as_str().unwrap(),
    );
    let members = h.admin().group(id).await.unwrap()["members"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!members.is_empty());
    let found = portal
        .get(&format!(
            "/_emulator/portal/groups?q={}",
            name.to_lowercase().replace(' ', "+")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains(&format!("1 groups matching “{}”", name.to_lowercase())),
        "{found}"
    );
    assert!(
        found.contains(&format!(
            "<tr data-group-id=\"{id}\"><td><a href=\"/_emulator/portal/groups/{id}\">{name}</a>"
        )),
        "{found}"
    );
    assert!(found.contains(&format!("<td class=\"members\">{}</td>", members.len())));
    let own = portal.get(&format!("/_emulator/portal/groups/{id}")).await;
    assert_eq!(own.status(), 200);
    let own = own.text().await.unwrap();
    assert!(own.contains(&format!("{} members", members.len())), "{own}");
    for member in &members {
        let user = h.admin().user(member.as_str().unwrap()).await.unwrap();
        let upn = user["userPrincipalName"].as_str().unwrap();
        assert!(own.contains(&format!("<td>{upn}</td>")), "{upn} missing");
    }
    let missing = portal
        .get(&format!("/_emulator/portal/groups/{}", uuid::Uuid::nil()))
        .await;
    assert_eq!(missing.status(), 404);
    // Behind the login like the rest of the portal.
    let closed = h
        .client
        .get(h.url(&format!("/_emulator/portal/groups/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 303);
}

#[tokio::test]
async fn the_users_page_grants_and_removes_global_administrator_with_a_checked_form() {
    let h = InProcess::start(30).await.unwrap();
    let portal = Portal::log_in(&h).await;
    let token = h.token().await;
    let (_, users) = h.get_json("/v1.0/users?$top=999", &token).await;
    let mut plain = None;
    for user in users["value"].as_array().unwrap() {
        let id = user["id"].as_str().unwrap().to_owned();
        if h.admin().roles(&id).await.unwrap() == json!([]) {
            plain = Some(id);
            break;
        }
    }
    let id = plain.expect("a user without roles");
    h.admin()
        .set_roles(&id, &["Privileged Role Administrator"])
        .await
        .unwrap();
    let grant = [
        ("user", id.as_str()),
        ("admin", "true"),
        ("q", "a b"),
        ("page", "0"),
    ];
    let forged = portal
        .post_unchecked("/_emulator/portal/users/roles", &grant)
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(
        h.admin().roles(&id).await.unwrap(),
        json!(["Privileged Role Administrator"])
    );
    let granted = portal.post("/_emulator/portal/users/roles", &grant).await;
    assert_eq!(granted.status(), 303);
    assert_eq!(
        granted.headers()["location"],
        "/_emulator/portal/users?q=a+b&page=0"
    );
    assert_eq!(
        h.admin().roles(&id).await.unwrap(),
        json!(["Privileged Role Administrator", "Global Administrator"])
    );
    let page = portal
        .get("/_emulator/portal/users?page=0")
        .await
        .text()
        .await
        .unwrap();
    let row = &page[page.find(&format!("<tr data-user-id=\"{id}\">")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("Privileged Role Administrator, Global Administrator")
            && row.contains("Remove Global Administrator"),
        "{row}"
    );
    let removed = portal
        .post(
            "/_emulator/portal/users/roles",
            &[("user", id.as_str()), ("admin", "false")],
        )
        .await;
    assert_eq!(removed.status(), 303);
    assert_eq!(
        h.admin().roles(&id).await.unwrap(),
        json!(["Privileged Role Administrator"])
    );
    let nobody = portal
        .post(
            "/_emulator/portal/users/roles",
            &[
                ("user", uuid::Uuid::nil().to_string().as_str()),
                ("admin", "true"),
            ],
        )
        .await;
    assert_eq!(nobody.status(), 404);
}

#[tokio::test]
async fn with_several_tenants_the_portal_shows_and_changes_the_tenant_of_its_query() {
    let dir = entrad_testkit::state_dir().unwrap();
    let mut config = entrad_testkit::config(dir.path(), 30);
    config.tenants = 2;
    let h = InProcess::start_with(config, dir).await.unwrap();
    let second = h.emulator.tenants()[1].clone();
    let portal = Portal::log_in(&h).await;
    let apps = portal
        .get(&format!("/_emulator/portal/?tenant={}", second.domain))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        apps.contains(&format!("<dd id=\"tenant-id\">{}</dd>", second.tenant_id)),
        "{apps}"
    );
    assert!(
        apps.contains(&format!("<option value=\"{}\" selected>", second.domain)),
        "the switcher does not show the tenant"
    );
    assert!(apps.contains(&format!(
        "action=\"/_emulator/portal/consent?tenant={}\"",
        second.domain
    )));
    // A user of the second tenant only: found there, not in the default tenant.
    let added = h
        .admin()
        .add_user_in(
            &second.domain,
            &json!({"userPrincipalName": format!("only.here@{}", second.domain), "displayName": "Only Here"}),
        )
        .await
        .unwrap();
    let id = added["id"].as_str().unwrap().to_owned();
    let there = portal
        .get(&format!(
            "/_emulator/portal/users?q=only+here&tenant={}",
            second.domain
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(there.contains("1 users matching"), "{there}");
    let home = portal
        .get("/_emulator/portal/users?q=only+here")
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("0 users matching"), "{home}");
    // The roles form acts on the tenant of its query and comes back to it.
    let granted = portal
        .post(
            &format!("/_emulator/portal/users/roles?tenant={}", second.domain),
            &[("user", id.as_str()), ("admin", "true")],
        )
        .await;
    assert_eq!(granted.status(), 303);
    assert_eq!(
        granted.headers()["location"],
        format!("/_emulator/portal/users?q=&page=0&tenant={}", second.domain).as_str()
    );
    let roles = h
        .admin()
        .request(
            Method::GET,
            &format!("/users/{id}/roles?tenant={}", second.domain),
            None,
        )
        .await
        .unwrap();
    assert_eq!(roles.body["roles"], json!(["Global Administrator"]));
    let unknown = portal
        .get("/_emulator/portal/groups?tenant=nowhere.example")
        .await;
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("no tenant nowhere.example")
    );
}

/// The `entrad_session=…` pair of an answer's `Set-Cookie`, if it sets one.
fn set_cookie(response: &reqwest::Response) -> Option<String> {
    let value = response.headers().get("set-cookie")?.to_str().unwrap();
    Some(value.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn entering_the_portal_begins_a_new_session_and_ends_the_one_before() {
    let h = InProcess::start(3).await.unwrap();
    let opens = |cookie: String| {
        let h = &h;
        async move {
            let page = h
                .client
                .get(h.url("/_emulator/portal/"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            page.status() == 200
        }
    };
    // The admin token typed on the login page: the login page's cookie (one a
    // stranger could have planted) stays shut, the new one opens the portal.
    let login = h
        .client
        .get(h.url("/_emulator/portal/login"))
        .send()
        .await
        .unwrap();
    let before = set_cookie(&login).unwrap();
    let csrf = csrf_of(&login.text().await.unwrap());
    let token = h.emulator.admin_token().unwrap().to_owned();
    let entered = h
        .client
        .post(h.url("/_emulator/portal/login"))
        .header("cookie", &before)
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(entered.status(), 303);
    let after = set_cookie(&entered).expect("the login sets a new session cookie");
    assert_ne!(after, before);
    assert!(
        !opens(before).await,
        "the session from before the login opens the portal"
    );
    assert!(opens(after).await);
    // The one-time login URL, followed by a browser that already had a session.
    let planted = set_cookie(
        &h.client
            .get(h.url("/_emulator/portal/login"))
            .send()
            .await
            .unwrap(),
    )
    .unwrap();
    let entered = h
        .client
        .get(h.emulator.portal_url())
        .header("cookie", &planted)
        .send()
        .await
        .unwrap();
    assert_eq!(entered.status(), 303);
    let after = set_cookie(&entered).expect("the login URL sets a new session cookie");
    assert_ne!(after, planted);
    assert!(
        !opens(planted).await,
        "the planted session opens the portal"
    );
    assert!(opens(after).await);
}

/// The apps page shows each app's Graph application permissions as checkboxes; saving
/// them needs the session's CSRF token (without it, or with another, nothing changes),
/// grants them as `POST /_emulator/consent` with `roles` does, and tokens issued
/// afterwards carry them.
#[tokio::test]
async fn the_apps_page_changes_an_apps_graph_permissions_with_a_checked_form() {
    let h = InProcess::start(3).await.unwrap();
    let portal = Portal::log_in(&h).await;
    let client_id = entrad_emulator::CONSENTED_CLIENT_ID;
    let page = portal.get("/_emulator/portal/").await.text().await.unwrap();
    let form_at = page
        .find(&format!("class=\"roles\" data-client-id=\"{client_id}\""))
        .expect("the app's permissions form");
    let form = &page[form_at..form_at + page[form_at..].find("</form>").unwrap()];
    assert!(form.contains("value=\"User.Read.All\" checked"), "{form}");
    assert!(form.contains("value=\"User.ReadWrite.All\">"), "{form}");
    assert!(form.contains("name=\"csrf\""), "{form}");

    let roles_of = |apps: serde_json::Value| {
        apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["client_id"] == client_id)
            .unwrap()["roles"]
            .clone()
    };
    let before = roles_of(h.admin().apps().await.unwrap());
    let chosen = [
        ("client_id", client_id),
        ("role", "User.Read.All"),
        ("role", "User.ReadWrite.All"),
    ];
    let without = portal
        .post_unchecked("/_emulator/portal/roles", &chosen)
        .await;
    assert_eq!(without.status(), 403);
    let mut wrong = vec![("csrf", "0".repeat(64))];
    wrong.extend(chosen.iter().map(|(k, v)| (*k, v.to_string())));
    let forged = portal
        .post_unchecked("/_emulator/portal/roles", &wrong)
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(roles_of(h.admin().apps().await.unwrap()), before);
    let token = h.token().await;
    let user = json!({"accountEnabled": true, "displayName": "Portal Made",
        "mailNickname": "portal.made", "userPrincipalName": "portal.made@entrademo.onmicrosoft.com",
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}});
    let create = |token: String| {
        let (client, url, user) = (h.client.clone(), h.url("/v1.0/users"), user.clone());
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&user)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    assert_eq!(create(token).await, 403);

    let saved = portal.post("/_emulator/portal/roles", &chosen).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], "/_emulator/portal/");
    assert_eq!(
        roles_of(h.admin().apps().await.unwrap()),
        json!(["User.Read.All", "User.ReadWrite.All"])
    );
    let page = portal.get("/_emulator/portal/").await.text().await.unwrap();
    assert!(
        page.contains("value=\"User.ReadWrite.All\" checked"),
        "{page}"
    );
    let token = h.token().await;
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["roles"],
        json!(["User.Read.All", "User.ReadWrite.All"])
    );
    assert_eq!(create(token).await, 201);
}
