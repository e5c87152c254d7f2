//! An offline emulator of the Microsoft Entra v2.0 token service and of Microsoft
//! Graph's directory API, accepted by real MSAL clients: what Azurite is to Storage.
//!
//! It serves HTTPS on loopback with a local CA kept in its state directory, and leaves
//! there the quickstart's `parameters.json` (and `parameters-certificate.json`,
//! `parameters-unconsented.json`) pointing at itself.
//!
//! * Token service, per tenant (GUID or domain): OIDC metadata, instance discovery,
//!   JWKS, `POST /{tenant}/oauth2/v2.0/token` (client secret in the form or HTTP Basic,
//!   client assertion RS256/`x5t` or PS256/`x5t#S256`), the real AADSTS errors, and
//!   `/{tenant}/adminconsent?client_id=` in a browser as Entra does it (sign-in, then the
//!   consent page for a Global Administrator or "Need admin approval"; Accept and Cancel
//!   are POSTs with a CSRF token and redirect with `admin_consent=True` or AADSTS65004;
//!   an unregistered `redirect_uri` gets AADSTS50011 on a page). Nothing changes on a GET.
//! * Graph: `/v1.0/users` (`$select`, `$top`, `$filter`, `$orderby`, `$count`, `$search`,
//!   paging), `/v1.0/users/{id|upn}`, `/v1.0/users/$count`, `/v1.0/users/delta` (also
//!   `delta()`, `microsoft.graph.delta()`), `POST /v1.0/$batch`,
//!   `/v1.0/groups`, `/v1.0/groups/{id}`, `/v1.0/groups/{id}/members`,
//!   `/v1.0/groups/delta` (with `members@delta`),
//!   each checking the bearer token as Graph does (401/403).
//! * Azure Resource Manager, as much as the Azure CLI needs to sign in: the cloud's
//!   metadata (`/metadata/endpoints`), `/subscriptions` (none) and `/tenants`, with ARM
//!   tokens issued to any service principal; a token for the emulator's own address is
//!   a Graph token.
//! * Workload identity federation: the emulator is also an external OIDC issuer
//!   (`/_emulator/oidc`, like a Kubernetes service-account issuer); the consented app
//!   trusts it through a federated identity credential, and its tokens
//!   (`federated-token.jwt` in the state directory, `POST /_emulator/federated-token`)
//!   are exchanged at the token endpoint (AADSTS70021/700211/700212/700213 otherwise).
//! * `app-cert.pfx`: the consented app's certificate as PKCS#12 (AES-256, HMAC-SHA256),
//!   password [`APP_PFX_PASSWORD`].
//! * Continuous access evaluation for workload identities: a token requested with the
//!   `cp1` client capability carries `xms_cc` and lives 24 hours; after an event
//!   (`/_emulator/cae/events`: service principal disabled or deleted, location or risk
//!   policy changed) Graph answers such tokens issued before it with a 401 claims
//!   challenge; a disabled service principal gets AADSTS7000112.
//! * Managed identity, as on an Azure host: the identities are service principals of the
//!   tenant ([`SYSTEM_ASSIGNED`], [`USER_ASSIGNED`]); IMDS, App Service, Azure Arc (key
//!   file challenge), Machine Learning and Cloud Shell over plain http on a second
//!   loopback listener, Service Fabric over https with a self-signed certificate pinned
//!   by thumbprint ([`Emulator::managed_identity`]); each source's environment in
//!   `mi-<source>.env` ([`MANAGED_IDENTITY_ENV_FILES`]).
//! * A portal for people at `/_emulator/portal/` (apps and consent, users, recent
//!   requests, faults), server-rendered, behind the admin token or the one-time
//!   [`Emulator::portal_url`], with CSRF tokens and a strict Content-Security-Policy.
//! * Admin API under `/_emulator/`: `stats`, `faults` (429/503/504 with `Retry-After`,
//!   latency, dropped connections), `users` (and their directory `roles`), `groups`, `consent`, `apps`, `token`, `federated-token`,
//!   `cae/events`, `cae/enable`;
//!   each needs `Authorization: Bearer` [`Emulator::admin_token`] (also in the
//!   ready line and `state_dir/admin-token`, mode 0600) unless [`Config::no_admin_token`].
//!
//! # Limits
//!
//! Request bodies over 1 MiB get 413 in the service's error shape; a `$filter` nested
//! over 100 levels (or with over 1,000 comparisons) gets 400 `BadRequest`; TLS handshakes
//! get 10 s, HTTP/1.1 headers [`Config::header_read_timeout`] and connections with
//! nothing moving [`Config::idle_timeout`].
//!
//! The default tenant is [`DEFAULT_TENANT_ID`] (`entrademo.onmicrosoft.com`); its
//! consented app is [`CONSENTED_CLIENT_ID`] (a secret, an expired secret and a
//! certificate), [`UNCONSENTED_CLIENT_ID`] has no admin consent, and
//! [`NO_SERVICE_PRINCIPAL_CLIENT_ID`] has no service principal.
//!
//! # Faults
//!
//! `--fault ROUTE:KIND[:count=N|:rate=R][:retry_after=S][:latency_ms=M]` (repeatable),
//! or `POST /_emulator/faults` with
//! `{"route":"users","kind":"429","retry_after":1,"count":3}` (or `"rate":0.3`; neither
//! means every request). Routes: `openid-configuration`, `instance-discovery`, `jwks`,
//! `token`, `adminconsent`, `users`, `user`, `users-delta`, `groups`, `group`,
//! `group-members`, `groups-delta`, `batch`, the managed identity
//! routes `imds`, `app-service`, `arc`, `service-fabric`, `machine-learning`,
//! `cloud-shell`, or `*`. Kinds: `429`, `503`, `504`, `404`, `410` (IMDS starting),
//! `500`, `latency`, `drop`. A client (token `appid`, or `client_id` at
//! the token endpoint) that comes back before its `Retry-After` gets another 429.
//!
//! # Example
//!
//! ```
//! use std::net::SocketAddr;
//!
//! use entrad_emulator::{Config, Emulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), entrad_emulator::Error> {
//! let emulator = Emulator::start(Config {
//!     listen: SocketAddr::from(([127, 0, 0, 1], 0)),
//!     in_memory: true,
//!     users: 10,
//!     ..Config::default()
//! })
//! .await?;
//! println!("{}", emulator.ready_line());
//! assert!(emulator.parameters_file().exists());
//! assert!(emulator.ca_file().exists());
//! assert!(emulator.federated_token_file().exists());
//! assert!(emulator.pkcs12_file().exists());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod access;
mod admin;
mod admin_token;
mod args;
mod arm;
mod base_url;
mod body_limit;
mod cae;
mod clock;
mod config;
mod directories;
mod emulator;
mod error;
mod faults;
mod files;
#[doc(hidden)]
pub mod fuzz;
mod graph;
mod idle;
mod keys;
mod managed_identity;
mod oidc;
mod parameters;
mod pfx;
mod route;
mod router;
mod server;
mod shared;
mod state;
mod stats;
mod tls;
mod token;
mod web;

pub use args::EmulatorArgs;
pub use config::{
    Config, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_LISTEN, DEFAULT_SEED,
    DEFAULT_USERS,
};
pub use emulator::{Emulator, TenantInfo, run};
pub use error::{CryptoCause, Error, Result};
pub use faults::{FaultKind, FaultSpec, FaultTrigger};
pub use managed_identity::{
    Identity, MANAGED_IDENTITY_ENV_FILES, ManagedIdentityInfo, SYSTEM_ASSIGNED, USER_ASSIGNED,
};
pub use pfx::APP_PFX_PASSWORD;
pub use state::{
    CONSENT_REDIRECT_URI, CONSENTED_CLIENT_ID, DEFAULT_TENANT_DOMAIN, DEFAULT_TENANT_ID,
    GLOBAL_ADMINISTRATOR, NO_SERVICE_PRINCIPAL_CLIENT_ID, UNCONSENTED_CLIENT_ID,
};
