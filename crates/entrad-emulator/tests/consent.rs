//! Admin consent over HTTP, as a browser walks it (the Chromium walk is in the CLI's
//! `browser` tests): sign-in, the consent page, Accept and Cancel as POSTs carrying
//! the session's CSRF token, admin roles, the redirects and the errors.

use entrad_emulator::{
    CONSENT_REDIRECT_URI, DEFAULT_TENANT_DOMAIN, GLOBAL_ADMINISTRATOR,
    NO_SERVICE_PRINCIPAL_CLIENT_ID, UNCONSENTED_CLIENT_ID,
};
use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::json;

use crate::token::claims_of;

/// A browser's session in the consent flow: its cookie and its CSRF token.
struct Walk<'a> {
    h: &'a InProcess,
    url: String,
    cookie: String,
    csrf: String,
}

/// The value of the first `name="VALUE"` after `after` in a page.
fn attribute(page: &str, after: &str, name: &str) -> String {
    let rest = &page[page
        .find(after)
        .unwrap_or_else(|| panic!("no {after} in {page}"))..];
    let start = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

impl<'a> Walk<'a> {
    /// Opens the consent URL (`path` with its query) as a browser would.
    async fn open(h: &'a InProcess, path: &str) -> (Walk<'a>, String) {
        let url = h.url(path);
        let response = h.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("default-src 'none'; script-src 'self';"),
            "{csp}"
        );
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            cookie.ends_with("; Path=/; HttpOnly; Secure; SameSite=Strict"),
            "{cookie}"
        );
        let page = response.text().await.unwrap();
        let walk = Walk {
            h,
            url,
            cookie: cookie.split(';').next().unwrap().to_owned(),
            csrf: attribute(&page, "name=\"csrf\"", "value"),
        };
        (walk, page)
    }

    async fn get(&self) -> String {
        let response = self
            .h
            .client
            .get(&self.url)
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    async fn post(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.h
            .client
            .post(&self.url)
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Signs in as `upn`; the answer sends the browser back to the consent URL.
    async fn sign_in(&self, upn: &str) {
        let response = self.post(&[("action", "signin"), ("login", upn)]).await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap();
        assert!(self.url.ends_with(location), "{location}");
    }
}

/// The consent URL of `client_id` with a redirect URI at `port` and a state.
fn consent_path(tenant: &str, client_id: &str) -> String {
    format!(
        "/{tenant}/adminconsent?client_id={client_id}&redirect_uri=http://localhost:8400/admin-consent&state=xyz"
    )
}

async fn roles_of_unconsented(h: &InProcess) -> serde_json::Value {
    claims_of(&h.token_from("parameters-unconsented.json").await)
        .get("roles")
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_admin_signs_in_reads_the_permissions_and_accept_grants_and_redirects() {
    let h = InProcess::start(5).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    let (walk, page) = Walk::open(&h, &consent_path(&tid, UNCONSENTED_CLIENT_ID)).await;
    assert!(page.contains("Pick an account"), "{page}");
    // Accept before signing in grants nothing.
    let early = walk.post(&[("action", "accept")]).await;
    assert_eq!(early.status(), 403);
    assert!(early.text().await.unwrap().contains("Pick an account"));
    // The admins come first and say so.
    let admin = attribute(&page, "class=\"account\"", "data-upn");
    assert!(page.contains(GLOBAL_ADMINISTRATOR));
    walk.sign_in(&admin).await;
    let prompt = walk.get().await;
    for text in [
        "Permissions requested",
        "entrad-unconsented",
        "entrademo.onmicrosoft.com",
        "Read all users&#39; full profiles",
        "User.Read.All",
        &admin,
    ] {
        assert!(prompt.contains(text), "{text} missing in {prompt}");
    }
    assert_eq!(roles_of_unconsented(&h).await, json!(null), "a GET granted");
    let accepted = walk.post(&[("action", "accept")]).await;
    assert_eq!(accepted.status(), 302);
    assert_eq!(
        accepted.headers()["location"],
        format!("http://localhost:8400/admin-consent?admin_consent=True&tenant={tid}&state=xyz")
            .as_str()
    );
    assert_eq!(
        roles_of_unconsented(&h).await,
        json!(["User.Read.All", "GroupMember.Read.All"])
    );
}

#[tokio::test]
async fn a_post_without_its_sessions_csrf_token_changes_nothing() {
    let h = InProcess::start(5).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    let (walk, page) = Walk::open(&h, &consent_path(&tid, UNCONSENTED_CLIENT_ID)).await;
    walk.sign_in(&attribute(&page, "class=\"account\"", "data-upn"))
        .await;
    // No cookie (another site's form), then the right cookie with a wrong token.
    let foreign = h
        .client
        .post(&walk.url)
        .form(&[("action", "accept"), ("csrf", walk.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let forged = Walk {
        csrf: "0".repeat(64),
        ..walk
    };
    let refused = forged.post(&[("action", "accept")]).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("CSRF token"));
    assert_eq!(roles_of_unconsented(&h).await, json!(null));
}

#[tokio::test]
async fn a_user_without_an_admin_role_needs_admin_approval_even_when_posting_accept() {
    let h = InProcess::start(5).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    let (walk, page) = Walk::open(&h, &consent_path(&tid, UNCONSENTED_CLIENT_ID)).await;
    let last_account = page.rfind("data-upn=\"").unwrap();
    let plain = attribute(&page[last_account..], "data-upn", "data-upn");
    walk.sign_in(&plain).await;
    assert!(walk.get().await.contains("Need admin approval"));
    let accept = walk.post(&[("action", "accept")]).await;
    assert_eq!(accept.status(), 403);
    assert!(
        accept
            .text()
            .await
            .unwrap()
            .contains("only an admin can grant")
    );
    assert_eq!(roles_of_unconsented(&h).await, json!(null));
    // Unknown users are told so on the sign-in page.
    let unknown = walk
        .post(&[
            ("action", "signin"),
            ("login", "nobody@entrademo.onmicrosoft.com"),
        ])
        .await;
    assert!(unknown.text().await.unwrap().contains("AADSTS50034"));
    // The admin API makes the user an admin; the same session may now consent.
    let reply = h
        .admin_request(
            Method::PUT,
            &format!("/users/{plain}/roles"),
            Some(json!({"roles": [GLOBAL_ADMINISTRATOR]})),
        )
        .await;
    assert_eq!(reply.1["roles"], json!([GLOBAL_ADMINISTRATOR]));
    assert!(walk.get().await.contains("Permissions requested"));
    assert_eq!(walk.post(&[("action", "accept")]).await.status(), 302);
    assert_eq!(
        roles_of_unconsented(&h).await,
        json!(["User.Read.All", "GroupMember.Read.All"])
    );
    let missing = h
        .admin_status(Method::GET, "/users/nobody@nowhere/roles", None)
        .await;
    assert_eq!(missing, 404);
}

#[tokio::test]
async fn cancel_redirects_with_aadsts65004_and_without_redirect_uri_the_outcome_is_a_page() {
    let h = InProcess::start(5).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    let (walk, page) = Walk::open(&h, &consent_path(&tid, UNCONSENTED_CLIENT_ID)).await;
    let admin = attribute(&page, "class=\"account\"", "data-upn");
    walk.sign_in(&admin).await;
    let cancelled = walk.post(&[("action", "cancel")]).await;
    assert_eq!(cancelled.status(), 302);
    let location = url::Url::parse(cancelled.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/admin-consent");
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["error", "error_subcode", "error_description", "state"]
    );
    assert_eq!(pairs[0].1, "access_denied");
    assert_eq!(pairs[1].1, "cancel");
    let description = &pairs[2].1;
    assert!(
        description
            .starts_with("AADSTS65004: User declined to consent to access the app.\r\nTrace ID: ")
            && description.contains("\r\nCorrelation ID: ")
            && description.contains("\r\nTimestamp: "),
        "{description}"
    );
    assert_eq!(pairs[3].1, "xyz");
    assert_eq!(roles_of_unconsented(&h).await, json!(null));
    // The v2.0 form, without redirect_uri, for an app without a service principal.
    let (walk, _) = Walk::open(
        &h,
        &format!(
            "/{DEFAULT_TENANT_DOMAIN}/v2.0/adminconsent?client_id={NO_SERVICE_PRINCIPAL_CLIENT_ID}&scope=https://graph.microsoft.com/.default"
        ),
    )
    .await;
    walk.sign_in(&admin).await;
    let declined = walk.post(&[("action", "cancel")]).await;
    assert_eq!(declined.status(), 200);
    assert!(declined.text().await.unwrap().contains("AADSTS65004"));
    let granted = walk.post(&[("action", "accept")]).await;
    assert_eq!(granted.status(), 200);
    assert!(
        granted
            .text()
            .await
            .unwrap()
            .contains("Permissions granted")
    );
    // Consent created the missing service principal.
    let token = h.token_from("parameters-no-service-principal.json").await;
    assert_eq!(
        claims_of(&token)["roles"],
        json!(["User.Read.All", "GroupMember.Read.All"])
    );
}

#[tokio::test]
async fn bad_requests_get_entras_errors_and_an_unregistered_redirect_uri_no_redirect() {
    let h = InProcess::start(1).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    let mismatch = h
        .client
        .get(h.url(&format!(
            "/{tid}/adminconsent?client_id={UNCONSENTED_CLIENT_ID}&redirect_uri=https://app.example/cb"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 400);
    assert!(mismatch.headers().get("location").is_none());
    let page = mismatch.text().await.unwrap();
    assert!(
        page.contains(&format!("AADSTS50011: The redirect URI &#39;https://app.example/cb&#39; specified in the request does not match the redirect URIs configured for the application &#39;{UNCONSENTED_CLIENT_ID}&#39;.")),
        "{page}"
    );
    // The registered URI itself, with no port, is accepted.
    let registered = h
        .client
        .get(h.url(&format!(
            "/{tid}/adminconsent?client_id={UNCONSENTED_CLIENT_ID}&redirect_uri={CONSENT_REDIRECT_URI}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    let unknown = h
        .client
        .get(h.url(&format!(
            "/{tid}/adminconsent?client_id=00000000-0000-0000-0000-000000000000"
        )))
        .send()
        .await
        .unwrap();
    // Unknown apps and tenants: the token service's AADSTS error, on a page.
    assert_eq!(unknown.status(), 400);
    let page = unknown.text().await.unwrap();
    assert!(page.contains("AADSTS700016: Application with identifier &#39;00000000-0000-0000-0000-000000000000&#39; was not found"), "{page}");
    let tenant = h
        .client
        .get(h.url("/nope/adminconsent?client_id=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(tenant.status(), 400);
    assert!(
        tenant.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = tenant.text().await.unwrap();
    assert!(
        page.contains("AADSTS90002: Tenant &#39;nope&#39; not found."),
        "{page}"
    );
    assert_eq!(h.stats().await["requests"]["adminconsent"], 4);
}
