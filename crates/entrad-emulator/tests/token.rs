//! The token service: metadata, discovery, JWKS, the token endpoint's successes and
//! every error of protocol.md (admin consent: `consent.rs`).

use crate::assertion;
use base64::Engine;
use entrad_emulator::{
    CONSENTED_CLIENT_ID, DEFAULT_TENANT_DOMAIN, NO_SERVICE_PRINCIPAL_CLIENT_ID,
    UNCONSENTED_CLIENT_ID,
};
use entrad_testkit::InProcess;
use serde_json::{Value, json};

const GRAPH: &str = "https://graph.microsoft.com/.default";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(crate) async fn expect_error(
    response: reqwest::Response,
    status: u16,
    error: &str,
    code: u64,
) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["cache-control"], "no-store, no-cache");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().unwrap();
    // The error codes page's layout: the message, then the trailer on CRLF lines.
    let lines: Vec<&str> = description.split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{description:?}");
    assert!(
        lines[0].starts_with(&format!("AADSTS{code}: ")),
        "{description:?}"
    );
    assert!(!lines[0].contains('\n') && !lines[0].contains('\r'));
    assert_eq!(
        lines[1],
        format!("Trace ID: {}", body["trace_id"].as_str().unwrap())
    );
    assert_eq!(
        lines[2],
        format!(
            "Correlation ID: {}",
            body["correlation_id"].as_str().unwrap()
        )
    );
    assert_eq!(
        lines[3],
        format!("Timestamp: {}", body["timestamp"].as_str().unwrap())
    );
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    // The page's format: "2016-01-09 02:02:12Z".
    let ts = body["timestamp"].as_str().unwrap().as_bytes();
    assert!(
        ts.len() == 20 && ts[10] == b' ' && ts[4] == b'-' && ts[16] == b':' && ts[19] == b'Z',
        "{body}"
    );
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    body
}

pub(crate) fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn secret(h: &InProcess) -> String {
    h.parameters("parameters.json")["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn openid_configuration_by_guid_and_domain_points_at_the_emulator() {
    let h = InProcess::start(1).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    for tenant in [tid.as_str(), DEFAULT_TENANT_DOMAIN] {
        let response = h
            .client
            .get(h.url(&format!("/{tenant}/v2.0/.well-known/openid-configuration")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["cache-control"],
            "max-age=86400, private"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["issuer"], h.url(&format!("/{tid}/v2.0")));
        assert_eq!(
            body["token_endpoint"],
            h.url(&format!("/{tid}/oauth2/v2.0/token"))
        );
        assert_eq!(
            body["jwks_uri"],
            h.url(&format!("/{tid}/discovery/v2.0/keys"))
        );
        assert_eq!(
            body["authorization_endpoint"],
            h.url(&format!("/{tid}/oauth2/v2.0/authorize"))
        );
        assert_eq!(
            body["token_endpoint_auth_methods_supported"],
            json!([
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic"
            ])
        );
    }
    let v1 = entrad_testkit::json_of(
        h.client
            .get(h.url(&format!("/{tid}/.well-known/openid-configuration"))),
    )
    .await;
    assert_eq!(v1["issuer"], format!("https://sts.windows.net/{tid}/"));
    let response = h
        .client
        .get(h.url("/nope.onmicrosoft.com/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "invalid_tenant", 90002).await;
    assert_eq!(h.stats().await["requests"]["openid-configuration"], 4);
}

#[tokio::test]
async fn instance_discovery_knows_only_the_emulator() {
    let h = InProcess::start(1).await.unwrap();
    let authorize = h.url("/organizations/oauth2/v2.0/authorize");
    let response = h
        .client
        .get(h.url("/common/discovery/instance"))
        .query(&[
            ("api-version", "1.1"),
            ("authorization_endpoint", authorize.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["tenant_discovery_endpoint"],
        h.url("/organizations/v2.0/.well-known/openid-configuration")
    );
    assert_eq!(body["api-version"], "1.1");
    let host = h.base.trim_start_matches("https://");
    assert_eq!(body["metadata"][0]["preferred_network"], host);
    assert!(
        body["metadata"][0]["aliases"]
            .as_array()
            .unwrap()
            .contains(&json!(host))
    );
    let response = h
        .client
        .get(h.url("/common/discovery/instance"))
        .query(&[
            ("api-version", "1.1"),
            (
                "authorization_endpoint",
                "https://login.example.com/t/oauth2/v2.0/authorize",
            ),
        ])
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "invalid_instance", 50049).await;
}

#[tokio::test]
async fn jwks_publishes_the_signing_key_and_tokens_verify_against_it() {
    let h = InProcess::start(1).await.unwrap();
    let tid = h.emulator.tenant_id().to_string();
    let jwks =
        entrad_testkit::json_of(h.client.get(h.url(&format!("/{tid}/discovery/v2.0/keys")))).await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    assert_eq!(key["kid"], key["x5t"]);
    assert!(key["x5c"][0].as_str().unwrap().starts_with("MII"));
    let token = h.token().await;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], key["kid"]);
    assert_eq!(header["x5t"], key["kid"]);
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["n"].as_str().unwrap())
        .unwrap();
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["e"].as_str().unwrap())
        .unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &signature,
        )
        .expect("the token verifies with the JWKS key");
    let unknown = h
        .client
        .get(h.url("/nope/discovery/v2.0/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn secret_in_form_gives_a_v1_app_token_with_roles() {
    let h = InProcess::start(1).await.unwrap();
    let response = h
        .client
        .post(h.token_url())
        .header("client-request-id", "11111111-2222-3333-4444-555555555555")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CONSENTED_CLIENT_ID),
            ("scope", GRAPH),
            ("client_secret", &secret(&h)),
            ("x-client-SKU", "test"),
            ("client_info", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store, no-cache");
    assert_eq!(
        response.headers()["client-request-id"],
        "11111111-2222-3333-4444-555555555555"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert!(body.get("refresh_in").is_none());
    assert!(body.get("refresh_token").is_none());
    let claims = claims_of(body["access_token"].as_str().unwrap());
    let tid = h.emulator.tenant_id();
    assert_eq!(claims["aud"], "https://graph.microsoft.com");
    assert_eq!(claims["iss"], format!("https://sts.windows.net/{tid}/"));
    assert_eq!(claims["idp"], claims["iss"]);
    assert_eq!(claims["tid"], tid);
    assert_eq!(claims["appid"], CONSENTED_CLIENT_ID);
    assert_eq!(claims["appidacr"], "1");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["app_displayname"], "entrad-daemon");
    assert_eq!(claims["oid"], claims["sub"]);
    assert_eq!(
        claims["roles"],
        json!(["User.Read.All", "GroupMember.Read.All"])
    );
    let (iat, nbf, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["nbf"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(iat, nbf);
    assert_eq!(exp - iat, 3599 + 300);
    assert!(claims["uti"].is_string() && claims["rh"].is_string());
}

#[tokio::test]
async fn secret_by_http_basic_and_tenant_by_domain() {
    let h = InProcess::start(1).await.unwrap();
    let response = h
        .client
        .post(h.url(&format!("/{DEFAULT_TENANT_DOMAIN}/oauth2/v2.0/token")))
        .basic_auth(CONSENTED_CLIENT_ID, Some(secret(&h)))
        .form(&[("grant_type", "client_credentials"), ("scope", GRAPH)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["tid"],
        h.emulator.tenant_id()
    );
}

#[tokio::test]
async fn unconsented_app_gets_a_token_without_roles() {
    let h = InProcess::start(1).await.unwrap();
    let token = h.token_from("parameters-unconsented.json").await;
    let claims = claims_of(&token);
    assert_eq!(claims["appid"], UNCONSENTED_CLIENT_ID);
    assert!(claims.get("roles").is_none());
}

#[tokio::test]
async fn client_assertions_rs256_and_ps256_with_float_dates_and_padding() {
    let h = InProcess::start(1).await.unwrap();
    for pss in [false, true] {
        let jwt = assertion::sign(
            h.emulator.state_dir(),
            &assertion::claims(CONSENTED_CLIENT_ID, &h.token_url()),
            pss,
        );
        let response = h
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", CONSENTED_CLIENT_ID),
                ("scope", GRAPH),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &jwt),
            ])
            .await;
        assert_eq!(response.status(), 200, "pss={pss}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            claims_of(body["access_token"].as_str().unwrap())["appidacr"],
            "2"
        );
        // The same assertion again (MSAL reuses one, jti included).
        let again = h
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", CONSENTED_CLIENT_ID),
                ("scope", GRAPH),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &jwt),
            ])
            .await;
        assert_eq!(again.status(), 200);
    }
    // Without client_id: the assertion's subject names the app.
    let jwt = assertion::sign(
        h.emulator.state_dir(),
        &assertion::claims(CONSENTED_CLIENT_ID, &h.token_url()),
        true,
    );
    let response = h
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("scope", GRAPH),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &jwt),
        ])
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn client_assertion_errors() {
    let h = InProcess::start(1).await.unwrap();
    let dir = h.emulator.state_dir().to_path_buf();
    let send = |jwt: String| {
        let h = &h;
        async move {
            h.token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", CONSENTED_CLIENT_ID),
                ("scope", GRAPH),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &jwt),
            ])
            .await
        }
    };
    // Expired.
    let mut claims = assertion::claims(CONSENTED_CLIENT_ID, &h.token_url());
    claims["exp"] = json!(assertion::now() - 3600.0);
    expect_error(
        send(assertion::sign(&dir, &claims, false)).await,
        401,
        "invalid_client",
        700024,
    )
    .await;
    // Not yet valid.
    let mut claims = assertion::claims(CONSENTED_CLIENT_ID, &h.token_url());
    claims["nbf"] = json!(assertion::now() + 3600.0);
    expect_error(
        send(assertion::sign(&dir, &claims, true)).await,
        401,
        "invalid_client",
        700024,
    )
    .await;
    // Wrong audience.
    let claims = assertion::claims(
        CONSENTED_CLIENT_ID,
        "https://login.microsoftonline.com/x/oauth2/v2.0/token",
    );
    expect_error(
        send(assertion::sign(&dir, &claims, false)).await,
        401,
        "invalid_client",
        50012,
    )
    .await;
    // The app's own assertion (iss = client id) with the sub of another app.
    let mut claims = assertion::claims(CONSENTED_CLIENT_ID, &h.token_url());
    claims["sub"] = json!(UNCONSENTED_CLIENT_ID);
    expect_error(
        send(assertion::sign(&dir, &claims, false)).await,
        401,
        "invalid_client",
        700021,
    )
    .await;
    // iss of another app: not the app's own assertion, so a federated one whose issuer
    // no federated credential of the app names.
    let claims = assertion::claims(UNCONSENTED_CLIENT_ID, &h.token_url());
    expect_error(
        send(assertion::sign(&dir, &claims, false)).await,
        401,
        "invalid_client",
        700211,
    )
    .await;
    // Tampered signature.
    let good = assertion::sign(
        &dir,
        &assertion::claims(CONSENTED_CLIENT_ID, &h.token_url()),
        false,
    );
    let (input, _) = good.rsplit_once('.').unwrap();
    let tampered = format!(
        "{input}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; 256])
    );
    expect_error(send(tampered).await, 401, "invalid_client", 700027).await;
    // A certificate that is not registered (a thumbprint of something else).
    let key_pem = std::fs::read(dir.join("signing-key.pem")).unwrap();
    let der = match rustls_pemfile::private_key(&mut key_pem.as_slice())
        .unwrap()
        .unwrap()
    {
        rustls::pki_types::PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        _ => unreachable!(),
    };
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="});
    let body = expect_error(
        send(assertion::sign_with_header(
            &der,
            &header,
            &assertion::claims(CONSENTED_CLIENT_ID, &h.token_url()),
            false,
        ))
        .await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("not registered")
    );
    // Garbage.
    expect_error(
        send("not-a-jwt".into()).await,
        400,
        "invalid_request",
        50027,
    )
    .await;
    // The unconsented app has no certificate at all.
    let jwt = assertion::sign(
        &dir,
        &assertion::claims(UNCONSENTED_CLIENT_ID, &h.token_url()),
        false,
    );
    let response = h
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", UNCONSENTED_CLIENT_ID),
            ("scope", GRAPH),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &jwt),
        ])
        .await;
    expect_error(response, 401, "invalid_client", 700027).await;
}

#[tokio::test]
async fn every_token_error_of_the_protocol_table() {
    let h = InProcess::start(1).await.unwrap();
    let good = secret(&h);
    let expired = {
        let (_, apps) = h.admin_request(reqwest::Method::GET, "/apps", None).await;
        let app = apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["client_id"] == CONSENTED_CLIENT_ID)
            .unwrap()
            .clone();
        let now = assertion::now() as i64;
        app["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["expires"].as_i64().unwrap() < now)
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let form = |client_id: &str, scope: &str, secret: &str| -> Vec<(String, String)> {
        let mut f = vec![("grant_type".to_string(), "client_credentials".to_string())];
        for (k, v) in [
            ("client_id", client_id),
            ("scope", scope),
            ("client_secret", secret),
        ] {
            if !v.is_empty() {
                f.push((k.into(), v.into()));
            }
        }
        f
    };
    let post = |url: String, f: Vec<(String, String)>| {
        let client = h.client.clone();
        async move { client.post(url).form(&f).send().await.unwrap() }
    };
    let url = h.token_url();
    let unknown_tenant = h.url("/nope.onmicrosoft.com/oauth2/v2.0/token");
    let common = h.url("/common/oauth2/v2.0/token");
    // (token URL, client_id, scope, secret) -> (status, error, AADSTS code)
    let cases = [
        // 7000215 wrong secret.
        (
            (&url, CONSENTED_CLIENT_ID, GRAPH, "wrong"),
            (401, "invalid_client", 7000215),
        ),
        // 7000222 expired secret.
        (
            (&url, CONSENTED_CLIENT_ID, GRAPH, expired.as_str()),
            (401, "invalid_client", 7000222),
        ),
        // 7000218 no credentials.
        (
            (&url, CONSENTED_CLIENT_ID, GRAPH, ""),
            (401, "invalid_client", 7000218),
        ),
        // 700016 unknown app.
        (
            (
                &url,
                "00000000-1111-2222-3333-444444444444",
                GRAPH,
                good.as_str(),
            ),
            (400, "unauthorized_client", 700016),
        ),
        // 90002 unknown tenant.
        (
            (&unknown_tenant, CONSENTED_CLIENT_ID, GRAPH, good.as_str()),
            (400, "invalid_request", 90002),
        ),
        // 50059 common.
        (
            (&common, CONSENTED_CLIENT_ID, GRAPH, good.as_str()),
            (400, "invalid_request", 50059),
        ),
        // 1002012 scope without /.default.
        (
            (&url, CONSENTED_CLIENT_ID, "User.Read.All", good.as_str()),
            (400, "invalid_scope", 1002012),
        ),
        (
            (&url, CONSENTED_CLIENT_ID, "openid", good.as_str()),
            (400, "invalid_scope", 1002012),
        ),
        (
            (
                &url,
                CONSENTED_CLIENT_ID,
                "https://graph.microsoft.com/User.Read.All",
                good.as_str(),
            ),
            (400, "invalid_scope", 1002012),
        ),
        // 70011 two resources.
        (
            (
                &url,
                CONSENTED_CLIENT_ID,
                "https://graph.microsoft.com/.default https://vault.azure.net/.default",
                good.as_str(),
            ),
            (400, "invalid_scope", 70011),
        ),
        // 500011 unknown resource.
        (
            (
                &url,
                CONSENTED_CLIENT_ID,
                "https://unknown.example.com/.default",
                good.as_str(),
            ),
            (400, "invalid_resource", 500011),
        ),
    ];
    for ((to, client_id, scope, secret), (status, error, code)) in cases {
        expect_error(
            post(to.clone(), form(client_id, scope, secret)).await,
            status,
            error,
            code,
        )
        .await;
    }
    // 900144 missing scope / grant_type / client_id.
    let body = expect_error(
        post(url.clone(), form(CONSENTED_CLIENT_ID, "", &good)).await,
        400,
        "invalid_request",
        900144,
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("'scope'")
    );
    let no_grant: Vec<(String, String)> = vec![("client_id".into(), CONSENTED_CLIENT_ID.into())];
    expect_error(
        post(url.clone(), no_grant).await,
        400,
        "invalid_request",
        900144,
    )
    .await;
    expect_error(
        post(url.clone(), form("", GRAPH, &good)).await,
        400,
        "invalid_request",
        900144,
    )
    .await;
    // 70003 unsupported grant.
    let mut password = form(CONSENTED_CLIENT_ID, GRAPH, &good);
    password[0].1 = "password".into();
    expect_error(
        post(url.clone(), password).await,
        400,
        "unsupported_grant_type",
        70003,
    )
    .await;
    // 7000229 no service principal.
    expect_error(
        post(
            url.clone(),
            form(NO_SERVICE_PRINCIPAL_CLIENT_ID, GRAPH, "whatever"),
        )
        .await,
        400,
        "invalid_client",
        7000229,
    )
    .await;
    // The correlation id echoes client-request-id.
    let response = h
        .client
        .post(url.clone())
        .header("client-request-id", "abc-123")
        .form(&form(CONSENTED_CLIENT_ID, GRAPH, "wrong"))
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 401, "invalid_client", 7000215).await;
    assert_eq!(body["correlation_id"], "abc-123");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Correlation ID: abc-123")
    );
}
