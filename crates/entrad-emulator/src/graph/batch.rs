//! `POST /v1.0/$batch`: up to 20 requests, unique ids, `dependsOn` (a failed
//! dependency gives 424), each answered as its own request would be, throttling included.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Caller;
use super::batch_route::{Op, Unrouted, route};
use super::reply::fault_reply;
use super::reply::{GraphCtx, Reply};
use super::target::run;
use crate::directories::Directories;
use crate::faults::Traffic;
use crate::route::Route;

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
    /// A JSON body (with a JSON `Content-Type` in `headers`).
    #[serde(default)]
    body: Option<Value>,
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
    // JSON batching: "When a body is included with the request, the headers object must
    // contain a value for Content-Type"; Graph refuses the whole batch when a write lacks
    // either (the message is field text, msgraph-sdk-dotnet issue 2628).
    if let Some(write) = batch.requests.iter().find(|item| {
        ["POST", "PATCH", "PUT"]
            .iter()
            .any(|m| item.method.eq_ignore_ascii_case(m))
            && (item.body.is_none()
                || !item
                    .headers
                    .keys()
                    .any(|name| name.eq_ignore_ascii_case("content-type")))
    }) {
        return Err(bad(
            &format!(
                "Write request id : {} does not contain Content-Type header or body.",
                write.id
            ),
            ctx,
        ));
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
    // No body (a 204) is `"body": null`, as in JSON batching's example.
    let body = if reply.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&reply.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&reply.body).into_owned()))
    };
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
        let headers = inner_headers(&item);
        let mut item_ctx = GraphCtx::new(&headers, ctx.base.clone());
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
        let reply = match route(&item.method, &item.url) {
            Err(Unrouted::Segment(segment)) => Reply::error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{segment}'."),
                &item_ctx,
            ),
            Err(Unrouted::Method) => Reply::error(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
                &item_ctx,
            ),
            Ok((Op::Read(target), query)) => {
                let (route, roles) = (target.route(), target.roles());
                run_inner(traffic, &item_ctx, caller, route, roles, |ctx| {
                    run(directories, ctx, &target, query.as_deref())
                })
                .await
            }
            Ok((Op::Write(write), _)) => match json_body(&item, &headers, &item_ctx) {
                Err(reply) => reply,
                Ok(body) => {
                    run_inner(
                        traffic,
                        &item_ctx,
                        caller,
                        write.route(),
                        write.roles(),
                        |ctx| write.apply(&mut directories.write_at(caller.tenant), ctx, &body),
                    )
                    .await
                }
            },
        };
        if !reply.status.is_success() {
            failed.insert(fold_id(&item.id));
        }
        responses.push(inner(item.id, reply));
    }
    Reply::json(&BatchResponse { responses }, ctx)
}

/// A write's body as the bytes its top-level route would read: the item's JSON `body`
/// under a JSON `Content-Type` (the batch already refused a write without either).
fn json_body(item: &BatchItem, headers: &HeaderMap, ctx: &GraphCtx) -> Result<Vec<u8>, Reply> {
    let Some(body) = &item.body else {
        return Ok(Vec::new());
    };
    if !headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json)
    {
        // Graph's answer to a body it cannot read as JSON (field text).
        return Err(Reply::error(
            400,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            ctx,
        ));
    }
    serde_json::to_vec(body)
        .map_err(|e| Reply::error(400, "BadRequest", &format!("Invalid JSON body: {e}"), ctx))
}

/// `application/json` or a `+json` type, with or without parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// One inner request: counted, throttled and faulted as its own route would be, then
/// answered by `answer` for a caller whose token carries one of `roles`.
async fn run_inner(
    traffic: &Traffic,
    ctx: &GraphCtx,
    caller: &Caller,
    route: Route,
    roles: &[&str],
    answer: impl FnOnce(&GraphCtx) -> Reply,
) -> Reply {
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
    if let Err(reply) = caller.require_any(roles, ctx) {
        return reply;
    }
    answer(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

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
