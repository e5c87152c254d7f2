//! The access token goes over https to the configured Graph only: plain http
//! is a configuration error (exit 2) unless it is a loopback test server the
//! user opted in for, and a page cannot send the token to another origin.

use crate::support::{Emulator, entrad, stderr_of, write_json};
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn an_http_endpoint_is_a_configuration_error_on_one_line() {
    let emulator = Emulator::start(1);
    let dir = tempfile::tempdir().unwrap();
    for (endpoint, flag, advice) in [
        (
            "http://127.0.0.1:9/v1.0/users",
            None,
            "pass --allow-insecure-loopback",
        ),
        (
            "http://graph.microsoft.com/v1.0/users",
            Some("--allow-insecure-loopback"),
            "only possible for a loopback test server",
        ),
    ] {
        let mut parameters = emulator.parameters("parameters.json");
        parameters["endpoint"] = json!(endpoint);
        let file = write_json(dir.path(), "parameters.json", &parameters);
        let mut cmd = emulator.entrad();
        cmd.args(flag).arg("run").arg(&file);
        let output = cmd.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{endpoint}");
        let stderr = stderr_of(&output);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("`endpoint` of"), "{stderr}");
        assert!(stderr.contains(endpoint), "{stderr}");
        assert!(stderr.contains(advice), "{stderr}");
        assert!(output.stdout.is_empty());
    }

    let output = emulator
        .configured()
        .args(["--graph-url", "http://localhost:9", "users"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("entrad: --graph-url `http://localhost:9/`"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");

    // An absolute URL given to `get` goes through the same rule.
    let output = emulator
        .configured()
        .args(["get", "http://127.0.0.1:9/v1.0/users"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("http://127.0.0.1:9"), "{stderr}");
    assert!(stderr.contains("--allow-insecure-loopback"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn an_http_authority_host_from_the_environment_needs_the_flag() {
    let output = entrad()
        .env("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9")
        .env("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
        .env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("AZURE_CLIENT_SECRET", "not-sent-4711")
        .arg("token")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("AZURE_AUTHORITY_HOST"), "{stderr}");
    assert!(stderr.contains("--allow-insecure-loopback"), "{stderr}");
    assert!(!stderr.contains("not-sent-4711"), "{stderr}");
}

#[test]
fn a_page_cannot_send_the_token_to_another_origin() {
    let emulator = Emulator::start(1);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The mock servers serve from threads of their own: the runtime only starts them.
    let (graph, other) = runtime.block_on(async {
        let graph = MockServer::start().await;
        let other = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
            .mount(&other)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/users"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "@odata.nextLink": format!("{}/v1.0/users?$skiptoken=collect", other.uri()),
                "value": [{"id": "1"}],
            })))
            .mount(&graph)
            .await;
        (graph, other)
    });

    let output = emulator
        .configured()
        .args(["--graph-url", &graph.uri(), "--allow-insecure-loopback"])
        .args(["--format", "ndjson", "get", "v1.0/users"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&graph.uri()), "{stderr}");
    assert!(stderr.contains(&other.uri()), "{stderr}");
    assert!(stderr.contains("@odata.nextLink"), "{stderr}");

    let (to_graph, to_other) = runtime.block_on(async {
        (
            graph.received_requests().await.unwrap(),
            other.received_requests().await.unwrap(),
        )
    });
    // The configured Graph got the token; the page's other origin got nothing.
    assert_eq!(to_graph.len(), 1);
    assert!(to_graph[0].headers.contains_key("authorization"));
    assert!(
        to_other
            .iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "the token went to {}",
        other.uri()
    );
    assert!(to_other.is_empty());
}
