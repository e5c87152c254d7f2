//! A typed client of the emulator's admin API under `/_emulator/`. Every admin
//! URL of the tests and benches is built here, and nowhere else.

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::{Error, Result};

/// The admin API's prefix on the emulator's origin.
const PREFIX: &str = "/_emulator";

/// A client of one emulator's admin API, sending its admin token when it has one.
#[derive(Debug, Clone)]
pub struct Admin {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
}

/// An admin answer: its status and its body as JSON (`Null` when empty or not JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

/// A snapshot of `GET /_emulator/stats`.
#[derive(Debug, Clone)]
pub struct Stats(pub Value);

impl Stats {
    /// Requests served on `route` (`token`, `users`, `openid-configuration`, ...).
    ///
    /// # Panics
    ///
    /// When the snapshot counts no route of that name: a misspelt name would
    /// otherwise read as no requests, and `== 0` on it pass.
    pub fn route(&self, route: &str) -> u64 {
        let requests = &self.0["requests"];
        match requests.get(route).and_then(Value::as_u64) {
            Some(count) => count,
            None => {
                let known: Vec<&str> = requests
                    .as_object()
                    .map(|routes| routes.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                panic!("the emulator counts no route {route:?}; its routes are {known:?}")
            }
        }
    }

    /// Requests served on every route.
    pub fn total(&self) -> u64 {
        self.0["total"].as_u64().unwrap_or(0)
    }

    /// Injected faults that fired (every kind, every route).
    pub fn faults(&self) -> u64 {
        self.0["faults"].as_u64().unwrap_or(0)
    }

    /// Requests answered 429 by the throttle.
    pub fn throttled(&self) -> u64 {
        self.0["throttled"].as_u64().unwrap_or(0)
    }
}

impl Admin {
    /// The admin API of the emulator at `base` (its origin), over `http` (a client
    /// trusting its CA), authenticated with `token` when the emulator requires one.
    pub fn new(http: reqwest::Client, base: Url, token: Option<String>) -> Admin {
        Admin { http, base, token }
    }

    /// The URL of `path` under `/_emulator` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> Result<Url> {
        Ok(self.base.join(&format!("{PREFIX}{path}"))?)
    }

    /// The issuer of the emulator's federated (workload identity) tokens.
    pub fn oidc_issuer(&self) -> Result<String> {
        Ok(self.url("/oidc")?.to_string())
    }

    /// Sends any admin request (`path` under `/_emulator`, e.g. `/faults`) and
    /// returns the answer whatever its status: for tests of the admin API itself.
    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let mut request = self.http.request(method, self.url(path)?);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    /// Sends an admin request that must succeed, returning its body.
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let reply = self.request(method.clone(), path, body).await?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(Error::Admin {
                method: method.to_string(),
                path: path.to_owned(),
                status: reply.status,
                body: reply.body.to_string(),
            })
        }
    }

    /// Replaces a user's directory roles (`PUT /_emulator/users/{id}/roles`); the
    /// roles that may grant admin consent are Global Administrator and Privileged
    /// Role Administrator.
    pub async fn set_roles(&self, user: &str, roles: &[&str]) -> Result<Value> {
        let body = serde_json::json!({ "roles": roles });
        self.call(Method::PUT, &format!("/users/{user}/roles"), Some(&body))
            .await
    }

    /// A user's directory roles (`GET /_emulator/users/{id}/roles`): the `roles` list.
    pub async fn roles(&self, user: &str) -> Result<Value> {
        let reply = self
            .call(Method::GET, &format!("/users/{user}/roles"), None)
            .await?;
        Ok(reply["roles"].clone())
    }

    /// The request counters (`GET /_emulator/stats`).
    pub async fn stats(&self) -> Result<Stats> {
        self.call(Method::GET, "/stats", None).await.map(Stats)
    }

    /// Sets every counter to zero.
    pub async fn reset_stats(&self) -> Result<()> {
        self.call(Method::POST, "/stats/reset", None)
            .await
            .map(drop)
    }

    /// The active faults (`{"faults":[...]}`).
    pub async fn faults(&self) -> Result<Value> {
        self.call(Method::GET, "/faults", None).await
    }

    /// Adds a fault (`{"route":..,"kind":..,...}`); returns the emulator's answer (with its id).
    pub async fn add_fault(&self, spec: &Value) -> Result<Value> {
        self.call(Method::POST, "/faults", Some(spec)).await
    }

    /// Removes one fault by id.
    pub async fn remove_fault(&self, id: &str) -> Result<()> {
        self.call(Method::DELETE, &format!("/faults/{id}"), None)
            .await
            .map(drop)
    }

    /// Removes every fault.
    pub async fn clear_faults(&self) -> Result<()> {
        self.call(Method::DELETE, "/faults", None).await.map(drop)
    }

    /// Adds users (`{"count":n}` or `{"users":[...]}`); returns the answer.
    pub async fn add_users(&self, body: &Value) -> Result<Value> {
        self.call(Method::POST, "/users", Some(body)).await
    }

    /// Forgets every delta round: stored delta and next links then get 410 `syncStateNotFound`.
    pub async fn reset_delta(&self) -> Result<()> {
        self.call(Method::POST, "/delta/reset", None)
            .await
            .map(drop)
    }

    /// Adds a user (`{"userPrincipalName":..,...}`) to the tenant `tenant` (id or domain).
    pub async fn add_user_in(&self, tenant: &str, user: &Value) -> Result<Value> {
        let path = format!("/users?tenant={tenant}");
        self.call(Method::POST, &path, Some(user)).await
    }

    /// One user as the emulator stores it.
    pub async fn user(&self, id: &str) -> Result<Value> {
        self.call(Method::GET, &format!("/users/{id}"), None).await
    }

    /// Changes a user's properties.
    pub async fn modify_user(&self, id: &str, changes: &Value) -> Result<Value> {
        self.call(Method::PATCH, &format!("/users/{id}"), Some(changes))
            .await
    }

    /// Removes a user softly (delta reports `@removed` with reason `changed`).
    pub async fn remove_user(&self, id: &str) -> Result<()> {
        self.call(Method::DELETE, &format!("/users/{id}"), None)
            .await
            .map(drop)
    }

    /// Deletes a user for good (delta reports `@removed` with reason `deleted`).
    pub async fn delete_user(&self, id: &str) -> Result<()> {
        self.call(Method::DELETE, &format!("/users/{id}?permanent=true"), None)
            .await
            .map(drop)
    }

    /// Creates a group (`{"displayName":..,"members":[user ids or UPNs]}`); returns it
    /// with its `id` and `members`.
    pub async fn add_group(&self, body: &Value) -> Result<Value> {
        self.call(Method::POST, "/groups", Some(body)).await
    }

    /// One group as the emulator stores it, with its member ids.
    pub async fn group(&self, id: &str) -> Result<Value> {
        self.call(Method::GET, &format!("/groups/{id}"), None).await
    }

    /// Changes a group's properties.
    pub async fn modify_group(&self, id: &str, changes: &Value) -> Result<Value> {
        self.call(Method::PATCH, &format!("/groups/{id}"), Some(changes))
            .await
    }

    /// Removes a group: soft (`@removed` reason `changed`) or `permanent` (`deleted`).
    pub async fn remove_group(&self, id: &str, permanent: bool) -> Result<()> {
        self.call(
            Method::DELETE,
            &format!("/groups/{id}?permanent={permanent}"),
            None,
        )
        .await
        .map(drop)
    }

    /// Adds a user (id or UPN) to a group; `{"changed":false}` when it was a member.
    pub async fn add_member(&self, group: &str, user: &str) -> Result<Value> {
        let body = serde_json::json!({ "id": user });
        self.call(
            Method::POST,
            &format!("/groups/{group}/members"),
            Some(&body),
        )
        .await
    }

    /// Removes a user (id or UPN) from a group; `{"changed":false}` when it was not a member.
    pub async fn remove_member(&self, group: &str, user: &str) -> Result<Value> {
        self.call(
            Method::DELETE,
            &format!("/groups/{group}/members/{user}"),
            None,
        )
        .await
    }

    /// Grants or revokes an app's consent (`{"client_id":..,"granted":..}`).
    pub async fn set_consent(&self, body: &Value) -> Result<Value> {
        self.call(Method::POST, "/consent", Some(body)).await
    }

    /// The registered apps.
    pub async fn apps(&self) -> Result<Value> {
        self.call(Method::GET, "/apps", None).await
    }

    /// Adds a client secret to an app, expiring in `expires_in` seconds (the
    /// portal's two years when `None`; negative for one already expired).
    /// Returns `{"key_id","value","expires"}`.
    pub async fn add_secret(&self, client_id: &str, expires_in: Option<i64>) -> Result<Value> {
        let body = serde_json::json!({ "expires_in": expires_in });
        self.call(
            Method::POST,
            &format!("/apps/{client_id}/secrets"),
            Some(&body),
        )
        .await
    }

    /// Removes an app's client secret by its key id.
    pub async fn remove_secret(&self, client_id: &str, key_id: &str) -> Result<()> {
        self.call(
            Method::DELETE,
            &format!("/apps/{client_id}/secrets/{key_id}"),
            None,
        )
        .await
        .map(drop)
    }

    /// Registers a certificate (PEM) on an app; returns its SHA-1 thumbprint (hex).
    pub async fn add_certificate(&self, client_id: &str, pem: &str) -> Result<String> {
        let body = serde_json::json!({ "certificate": pem });
        let answer = self
            .call(
                Method::POST,
                &format!("/apps/{client_id}/certificates"),
                Some(&body),
            )
            .await?;
        Ok(answer["thumbprint"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Removes a certificate from an app by its SHA-1 thumbprint (hex).
    pub async fn remove_certificate(&self, client_id: &str, thumbprint: &str) -> Result<()> {
        self.call(
            Method::DELETE,
            &format!("/apps/{client_id}/certificates/{thumbprint}"),
            None,
        )
        .await
        .map(drop)
    }

    /// A test token as the emulator signs it (`POST /_emulator/token`).
    pub async fn token(&self, body: &Value) -> Result<Value> {
        self.call(Method::POST, "/token", Some(body)).await
    }

    /// Records a continuous access evaluation event (`POST /_emulator/cae/events`):
    /// `event` is `service_principal_disabled`, `service_principal_deleted`,
    /// `location_policy_changed` or `risk_policy_changed`, for the app `client_id`
    /// (a policy change without one concerns every app). Returns the event with its time.
    pub async fn cae_event(&self, event: &str, client_id: Option<&str>) -> Result<Value> {
        let mut body = serde_json::json!({ "event": event });
        if let Some(client_id) = client_id {
            body["client_id"] = client_id.into();
        }
        self.call(Method::POST, "/cae/events", Some(&body)).await
    }

    /// The recorded CAE events, with `challenges_sent` (Graph's claims challenges)
    /// and `challenges_answered` (token requests carrying a challenge's claims).
    pub async fn cae_events(&self) -> Result<Value> {
        self.call(Method::GET, "/cae/events", None).await
    }

    /// Enables a disabled service principal again (`POST /_emulator/cae/enable`).
    pub async fn cae_enable(&self, client_id: &str) -> Result<()> {
        let body = serde_json::json!({ "client_id": client_id });
        self.call(Method::POST, "/cae/enable", Some(&body))
            .await
            .map(drop)
    }

    /// A token of the emulator's OIDC issuer (`POST /_emulator/federated-token`),
    /// as a cluster writes it into a pod's projected token file.
    pub async fn federated_token(&self, body: &Value) -> Result<Value> {
        self.call(Method::POST, "/federated-token", Some(body))
            .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    async fn stats_server(expected_authorization: Option<&str>) -> MockServer {
        let server = MockServer::start().await;
        let mut mock = Mock::given(method("GET")).and(path("/_emulator/stats"));
        if let Some(value) = expected_authorization {
            mock = mock.and(header("authorization", value));
        }
        mock.respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"requests": {"token": 2, "users": 0}, "total": 5, "faults": 1}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
        server
    }

    #[tokio::test]
    async fn sends_the_admin_token_when_it_has_one() {
        let server = stats_server(Some("Bearer 00ff")).await;
        let base = Url::parse(&server.uri()).unwrap();
        let admin = Admin::new(reqwest::Client::new(), base, Some("00ff".into()));
        let stats = admin.stats().await.unwrap();
        assert_eq!(stats.route("token"), 2);
        assert_eq!(stats.route("users"), 0);
        assert_eq!(stats.total(), 5);
        assert_eq!(stats.faults(), 1);
    }

    #[test]
    #[should_panic(
        expected = "the emulator counts no route \"tokens\"; its routes are [\"token\"]"
    )]
    fn a_route_the_emulator_does_not_count_is_an_error_not_zero() {
        Stats(json!({"requests": {"token": 2}, "total": 2})).route("tokens");
    }

    #[tokio::test]
    async fn sends_no_authorization_without_a_token() {
        let server = stats_server(None).await;
        let base = Url::parse(&server.uri()).unwrap();
        let admin = Admin::new(reqwest::Client::new(), base, None);
        admin.stats().await.unwrap();
        let requests = server.received_requests().await.unwrap();
        assert!(requests[0].headers.get("authorization").is_none());
    }

    #[tokio::test]
    async fn an_error_status_is_an_error_naming_the_call() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/_emulator/faults"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(json!({"error": {"code": "Unauthorized"}})),
            )
            .mount(&server)
            .await;
        let admin = Admin::new(
            reqwest::Client::new(),
            Url::parse(&server.uri()).unwrap(),
            None,
        );
        let err = admin
            .add_fault(&json!({"route": "users"}))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("POST /faults answered 401"), "{message}");
        let reply = admin
            .request(Method::POST, "/faults", Some(&json!({})))
            .await
            .unwrap();
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body["error"]["code"], "Unauthorized");
    }
}
