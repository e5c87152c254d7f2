//! `POST /v1.0/$batch`: up to 20 requests, unique ids, `dependsOn` (a failed
//! dependency gives 424), each answered as its own request would be, throttling included.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Caller;
use super::reply::fault_reply;
use super::reply::{GraphCtx, Reply};
use super::target::{Target, run};
use crate::directories::Directories;
use crate::faults::Traffic;

/// Graph's limit on requests in one batch.
const MAX_REQUESTS: usize = 20;

#[derive(Deserialize)]
struct BatchBody {
    requests: Vec<BatchItem>,
}

#[derive(Deserialize)]
struct BatchItem {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default, rename = "dependsOn")]
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct InnerResponse {
    id: String,
    status: u16,
    headers: serde_json::Map<String, Value>,
    body: Value,
}

#[derive(Serialize)]
struct BatchResponse {
    responses: Vec<InnerResponse>,
}

fn bad(message: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(400, "BadRequest", message, ctx)
}

/// A request id as the batch compares it: ignoring case.
fn fold_id(id: &str) -> String {
    id.to_lowercase()
}

/// Validates the batch and orders it so that every request comes after what it depends on.
fn plan(body: &[u8], ctx: &GraphCtx) -> Result<Vec<BatchItem>, Reply> {
    let batch: BatchBody =
        serde_json::from_slice(body).map_err(|_| bad("Invalid batch payload format.", ctx))?;
    if batch.requests.is_empty() {
        return Err(bad("Invalid batch payload format.", ctx));
    }
    if batch.requests.len() > MAX_REQUESTS {
        return Err(bad(
            &format!("The number of requests in the batch exceeds the limit of {MAX_REQUESTS}."),
            ctx,
        ));
    }
    // JSON batching: the id is "Not case-sensitive. Must be unique in the batch".
    let mut ids = HashSet::new();
    for item in &batch.requests {
        if item.id.is_empty() || !ids.insert(fold_id(&item.id)) {
            return Err(bad(
                &format!("Request Id '{}' is duplicated or empty.", item.id),
                ctx,
            ));
        }
    }
    for item in &batch.requests {
        if let Some(missing) = item.depends_on.iter().find(|d| !ids.contains(&fold_id(d))) {
            return Err(bad(
                &format!("Request dependsOn '{missing}' was not found in the batch."),
                ctx,
            ));
        }
    }
    let mut pending = batch.requests;
    let mut ordered = Vec::with_capacity(pending.len());
    let mut done: HashSet<String> = HashSet::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|item| item.depends_on.iter().all(|d| done.contains(&fold_id(d))))
            .ok_or_else(|| bad("The batch request contains a dependency cycle.", ctx))?;
        let item = pending.remove(ready);
        done.insert(fold_id(&item.id));
        ordered.push(item);
    }
    Ok(ordered)
}

/// `/users?..` (or `users`, `/v1.0/users`, an absolute Graph URL) as a target and query.
fn route(url: &str) -> Result<(Target, Option<String>), String> {
    let relative = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/').map(|(_, path)| path))
        .unwrap_or(url);
    let relative = relative.trim_start_matches('/');
    let relative = relative.strip_prefix("v1.0/").unwrap_or(relative);
    let (path, query) = match relative.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (relative, None),
    };
    let segments: Vec<String> = path
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            url::form_urlencoded::parse(format!("s={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let target = match segments
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["users"] => Target::Users,
        ["users", function] if super::function::name(function) == "delta" => Target::Delta,
        ["users", "$count"] => Target::Count,
        ["users", key] => Target::User(key.to_string()),
        ["groups"] => Target::Groups,
        ["groups", function] if super::function::name(function) == "delta" => Target::GroupsDelta,
        ["groups", "$count"] => Target::GroupCount,
        ["groups", key] => Target::Group(key.to_string()),
        ["groups", key, "members"] => Target::GroupMembers(key.to_string()),
        [first, ..] if *first != "users" => return Err(first.to_string()),
        [_, _, next, ..] => return Err(next.to_string()),
        _ => return Err(path.to_string()),
    };
    Ok((target, query))
}

fn inner_headers(item: &BatchItem) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &item.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    headers
}

fn inner(id: String, reply: Reply) -> InnerResponse {
    let mut headers = serde_json::Map::new();
    if let Some(content_type) = reply.content_type {
        headers.insert("Content-Type".into(), content_type.into());
    }
    for (name, value) in reply.headers {
        let name = if name == "retry-after" {
            "Retry-After"
        } else {
            name
        };
        headers.insert(name.into(), value.into());
    }
    let body = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&reply.body).into_owned()));
    InnerResponse {
        id,
        status: reply.status.as_u16(),
        headers,
        body,
    }
}

/// Runs a batch for an authenticated caller.
pub(crate) async fn execute(
    directories: &Directories,
    traffic: &Traffic,
    ctx: &GraphCtx,
    caller: &Caller,
    body: &[u8],
) -> Reply {
    let items = match plan(body, ctx) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut failed: HashSet<String> = HashSet::new();
    let mut responses = Vec::with_capacity(items.len());
    for item in items {
        let mut item_ctx = GraphCtx::new(&inner_headers(&item), ctx.base.clone());
        item_ctx.tenant = caller.tenant;
        if item.depends_on.iter().any(|d| failed.contains(&fold_id(d))) {
            failed.insert(fold_id(&item.id));
            let reply = Reply::error(
                424,
                "FailedDependency",
                "The request could not be processed because a request it depends on failed.",
                &item_ctx,
            );
            responses.push(inner(item.id, reply));
            continue;
        }
        let reply = if !item.method.eq_ignore_ascii_case("GET") {
            Reply::error(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
                &item_ctx,
            )
        } else {
            match route(&item.url) {
                Err(segment) => Reply::error(
                    400,
                    "BadRequest",
                    &format!("Resource not found for the segment '{segment}'."),
                    &item_ctx,
                ),
                Ok((target, query)) => {
                    run_inner(
                        directories,
                        traffic,
                        &item_ctx,
                        caller,
                        target,
                        query.as_deref(),
                    )
                    .await
                }
            }
        };
        if !reply.status.is_success() {
            failed.insert(fold_id(&item.id));
        }
        responses.push(inner(item.id, reply));
    }
    Reply::json(&BatchResponse { responses }, ctx)
}

/// One inner request: counted, throttled and faulted as its own route would be.
async fn run_inner(
    directories: &Directories,
    traffic: &Traffic,
    ctx: &GraphCtx,
    caller: &Caller,
    target: Target,
    query: Option<&str>,
) -> Reply {
    let route = target.route();
    traffic.stats.count(route);
    let now = Instant::now();
    if let Some(wait) = traffic.throttle.too_early(&caller.appid, route, now) {
        traffic.stats.throttled();
        return fault_reply(429, wait, ctx);
    }
    let decision = traffic.faults.decide(route, false);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if let Some((kind, retry_after)) = decision.outcome
        && let Some(status) = kind.status()
    {
        traffic.stats.fault();
        traffic.throttle.record(
            &caller.appid,
            route,
            Instant::now() + std::time::Duration::from_secs(retry_after),
        );
        return fault_reply(status, retry_after, ctx);
    }
    if let Err(reply) = caller.require_any(target.roles(), ctx) {
        return reply;
    }
    run(directories, ctx, &target, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_relative_and_absolute_urls() {
        assert!(matches!(route("/users?$top=1"), Ok((Target::Users, Some(q))) if q == "$top=1"));
        for delta in [
            "delta",
            "delta()",
            "microsoft.graph.delta",
            "microsoft.graph.delta()",
        ] {
            let path = format!("users/{delta}");
            assert!(matches!(route(&path), Ok((Target::Delta, None))), "{path}");
        }
        assert!(
            matches!(route("https://graph.microsoft.com/v1.0/users/a%40b"), Ok((Target::User(k), None)) if k == "a@b")
        );
        assert!(matches!(route("/devices"), Err(s) if s == "devices"));
        assert!(matches!(
            route("/groups?$top=2"),
            Ok((Target::Groups, Some(_)))
        ));
        assert!(matches!(
            route("/groups/microsoft.graph.delta()"),
            Ok((Target::GroupsDelta, None))
        ));
        assert!(
            matches!(route("/groups/g1/members"), Ok((Target::GroupMembers(k), None)) if k == "g1")
        );
        assert!(matches!(route("/users/x/manager"), Err(s) if s == "manager"));
    }

    #[test]
    fn plans_dependencies_and_refuses_bad_batches() {
        let ctx = GraphCtx::new(&HeaderMap::new(), "https://x".into());
        let body = serde_json::json!({"requests": [
            {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["1"]},
            {"id": "1", "method": "GET", "url": "/users"}
        ]});
        let order: Vec<String> = plan(body.to_string().as_bytes(), &ctx)
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(order, ["1", "2"]);
        let many: Vec<_> = (0..21)
            .map(|i| serde_json::json!({"id": i.to_string(), "method": "GET", "url": "/users"}))
            .collect();
        assert!(
            plan(
                serde_json::json!({"requests": many}).to_string().as_bytes(),
                &ctx
            )
            .is_err()
        );
        let dup = serde_json::json!({"requests": [{"id": "1", "method": "GET", "url": "/users"}, {"id": "1", "method": "GET", "url": "/users"}]});
        assert!(plan(dup.to_string().as_bytes(), &ctx).is_err());
        // Ids are not case-sensitive: "A" and "a" are one id, and dependsOn finds either.
        let dup = serde_json::json!({"requests": [{"id": "A", "method": "GET", "url": "/users"}, {"id": "a", "method": "GET", "url": "/users"}]});
        assert!(plan(dup.to_string().as_bytes(), &ctx).is_err());
        let cased = serde_json::json!({"requests": [{"id": "Second", "method": "GET", "url": "/users", "dependsOn": ["FIRST"]}, {"id": "first", "method": "GET", "url": "/users"}]});
        let order: Vec<String> = plan(cased.to_string().as_bytes(), &ctx)
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(order, ["first", "Second"]);
        let cycle = serde_json::json!({"requests": [{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]}, {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["1"]}]});
        assert!(plan(cycle.to_string().as_bytes(), &ctx).is_err());
    }
}
