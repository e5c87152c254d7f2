//! OIDC metadata, instance discovery and the JWKS, pointing at the emulator itself.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::errors::{TokenError, correlation_id};
use super::mint::v1_issuer;
use crate::base_url::{BaseUrl, Origin};
use crate::directories::Directories;
use crate::keys::SigningKey;

const RESERVED_TENANTS: [&str; 3] = ["common", "organizations", "consumers"];

fn cached(json: serde_json::Value) -> Response {
    let mut response = axum::Json(json).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, private"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The tenant id for a path segment: the GUID for the tenant's GUID or domain,
/// `{tenantid}` for the multi-tenant aliases, `None` for an unknown tenant.
fn resolve(directories: &Directories, segment: &str) -> Option<String> {
    if RESERVED_TENANTS
        .iter()
        .any(|t| t.eq_ignore_ascii_case(segment))
    {
        return Some("{tenantid}".into());
    }
    let directory = directories.read_for(segment);
    directory
        .tenant
        .is(segment)
        .then(|| directory.tenant.id.clone())
}

/// A metadata document for the tenant named by `segment` (cacheable), or the
/// unknown-tenant error. `document` gets the tenant id and a function giving
/// the URL of an endpoint path under the tenant as requested: a multi-tenant
/// alias stays in the endpoints, as Entra does.
fn tenant_document(
    directories: &Directories,
    segment: &str,
    base: &str,
    headers: &HeaderMap,
    document: impl FnOnce(&str, &dyn Fn(&str) -> String) -> serde_json::Value,
) -> Response {
    let Some(tid) = resolve(directories, segment) else {
        return TokenError::unknown_tenant(segment, "invalid_tenant")
            .respond(&correlation_id(headers));
    };
    let path_tenant = if tid == "{tenantid}" { segment } else { &tid };
    let at = |p: &str| format!("{base}/{path_tenant}/{p}");
    cached(document(&tid, &at))
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub(crate) async fn openid_configuration_v2(
    State(directories): State<Arc<Directories>>,
    Path(segment): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
) -> Response {
    let host = base.trim_start_matches("https://");
    tenant_document(&directories, &segment, &base, &headers, |tid, at| {
        serde_json::json!({
            "token_endpoint": at("oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": at("discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{tid}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": at("oauth2/v2.0/authorize"),
            "device_authorization_endpoint": at("oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": at("oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": at("kerberos"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": host,
            "rbac_url": "https://pas.windows.net",
        })
    })
}

/// `GET /{tenant}/.well-known/openid-configuration` (the v1 endpoints).
pub(crate) async fn openid_configuration_v1(
    State(directories): State<Arc<Directories>>,
    Path(segment): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
) -> Response {
    tenant_document(&directories, &segment, &base, &headers, |tid, at| {
        serde_json::json!({
            "token_endpoint": at("oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": at("discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": v1_issuer(tid),
            "authorization_endpoint": at("oauth2/authorize"),
            "end_session_endpoint": at("oauth2/logout"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": base.trim_start_matches("https://"),
        })
    })
}

/// `GET /{tenant}/discovery/v2.0/keys` (and the v1 form).
pub(crate) async fn jwks(
    State(directories): State<Arc<Directories>>,
    State(signing): State<Arc<SigningKey>>,
    Path(segment): Path<String>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
) -> Response {
    tenant_document(
        &directories,
        &segment,
        &base,
        &headers,
        |tid, _| serde_json::json!({ "keys": [signing.jwk(&format!("{base}/{tid}/v2.0"))] }),
    )
}

#[derive(Deserialize)]
pub(crate) struct DiscoveryQuery {
    authorization_endpoint: Option<String>,
}

/// `GET /common/discovery/instance`: the emulator knows only itself.
pub(crate) async fn instance_discovery(
    State(origin): State<Arc<Origin>>,
    BaseUrl(base): BaseUrl,
    Query(query): Query<DiscoveryQuery>,
    headers: HeaderMap,
) -> Response {
    let correlation = correlation_id(&headers);
    let Some(endpoint) = query.authorization_endpoint else {
        return TokenError::missing_parameter("authorization_endpoint").respond(&correlation);
    };
    let port = origin.port;
    let aliases = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    let parsed = url::Url::parse(&endpoint).ok();
    let authority = parsed.as_ref().map(|u| {
        format!(
            "{}:{}",
            u.host_str().unwrap_or_default(),
            u.port_or_known_default().unwrap_or(443)
        )
    });
    if !authority.is_some_and(|a| aliases.contains(&a)) {
        return TokenError::new(
            400,
            "invalid_instance",
            50049,
            "Unknown or invalid instance.",
        )
        .respond(&correlation);
    }
    let tenant = parsed
        .as_ref()
        .and_then(|u| u.path_segments()?.next().map(String::from))
        .unwrap_or_else(|| "common".into());
    let host = base.trim_start_matches("https://");
    cached(serde_json::json!({
        "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": host,
            "preferred_cache": host,
            "aliases": aliases,
        }],
    }))
}
