//! The admin API's bearer token: required on every admin route, kept owner-only in
//! the state directory, stable across restarts, and off with `no_admin_token`.

use entrad_testkit::InProcess;
use reqwest::Method;
use serde_json::Value;

async fn stats_with(h: &InProcess, token: Option<&str>) -> (u16, Value) {
    let mut request = h.client.get(h.url("/_emulator/stats"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_admin_route_needs_the_token() {
    let h = InProcess::start(1).await.unwrap();
    let token = h.emulator.admin_token().unwrap().to_string();
    assert_eq!(token.len(), 64);

    let (status, body) = stats_with(&h, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "Unauthorized", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Bearer")
    );
    // Another last digit (a fixed "0" was the token itself one time in 16).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &token[..63]);
    let (status, body) = stats_with(&h, Some(&wrong)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "Unauthorized");
    assert_eq!(stats_with(&h, Some(&token)).await.0, 200);

    // The routes that hand out secrets or mint tokens, each refused without it.
    for (method, path) in [
        (Method::GET, "/_emulator/apps"),
        (Method::POST, "/_emulator/token"),
        (Method::POST, "/_emulator/federated-token"),
        (Method::POST, "/_emulator/consent"),
        (Method::POST, "/_emulator/users"),
        (Method::GET, "/_emulator/faults"),
        (Method::POST, "/_emulator/stats/reset"),
        (Method::POST, "/_emulator/cae/events"),
        (Method::GET, "/_emulator/cae/events"),
        (Method::POST, "/_emulator/cae/enable"),
    ] {
        let response = h
            .client
            .request(method.clone(), h.url(path))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
    }
    let (status, apps) = h.admin_request(Method::GET, "/apps", None).await;
    assert_eq!(status, 200);
    assert!(apps["apps"].as_array().is_some_and(|a| !a.is_empty()));

    // The OIDC issuer's documents stay public, as a relying party fetches them.
    let discovery = h
        .client
        .get(h.url("/_emulator/oidc/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(discovery.status(), 200);
}

#[tokio::test]
async fn without_the_token_option_the_admin_api_is_open() {
    let dir = entrad_testkit::state_dir().unwrap();
    let config = entrad_emulator::Config {
        no_admin_token: true,
        ..entrad_testkit::config(dir.path(), 1)
    };
    let h = InProcess::start_with(config, dir).await.unwrap();
    assert_eq!(h.emulator.admin_token(), None);
    let ready: Value = serde_json::from_str(&h.emulator.ready_line()).unwrap();
    assert_eq!(ready["admin_token"], Value::Null);
    assert_eq!(stats_with(&h, None).await.0, 200);
}

#[tokio::test]
async fn the_token_is_in_the_ready_line_and_an_owner_only_file_and_survives_a_restart() {
    let dir = entrad_testkit::state_dir().unwrap();
    let persistent = || entrad_emulator::Config {
        in_memory: false,
        ..entrad_testkit::config(dir.path(), 1)
    };
    let first = entrad_emulator::Emulator::start(persistent())
        .await
        .unwrap();
    let token = first.admin_token().unwrap().to_string();
    let ready: Value = serde_json::from_str(&first.ready_line()).unwrap();
    assert_eq!(ready["admin_token"], token.as_str());
    let file = dir.path().join("admin-token");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), token);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        !format!("{first:?}").contains(&token),
        "the token leaks in Debug"
    );
    first.shutdown().await;

    let second = entrad_emulator::Emulator::start(persistent())
        .await
        .unwrap();
    assert_eq!(second.admin_token(), Some(token.as_str()));
    second.shutdown().await;

    // In-memory state gets a fresh token each start, still written to the file.
    let memory = entrad_emulator::Emulator::start(entrad_testkit::config(dir.path(), 1))
        .await
        .unwrap();
    let fresh = memory.admin_token().unwrap().to_string();
    assert_ne!(fresh, token);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), fresh);
    memory.shutdown().await;
}
