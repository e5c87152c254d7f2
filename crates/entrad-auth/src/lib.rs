//! App-only tokens from Microsoft Entra ID (client credentials), in Rust: what
//! MSAL Python's `ConfidentialClientApplication` + `acquire_token_for_client`
//! do for a daemon, with single-flight requests, proactive refresh, bounded
//! retries and pluggable token caches.
//!
//! * [`Authority`]: `https://login.microsoftonline.com/{tenant}`, sovereign
//!   clouds, any https host (the entrad emulator), or a generic OIDC issuer.
//! * [`Credential`]: client secret, certificate (PEM or PKCS#12), a key that
//!   never leaves a PKCS#11 token (`Pkcs11Signer`, feature `pkcs11`) or a
//!   remote signing service ([`CallbackSigner`], any [`Signer`]), or a client
//!   assertion from a callback or a file (workload identity).
//! * [`ConfidentialClient::acquire_token`]: cache first (the client's own copy
//!   of its last token per scope set, then the store), one request per key in
//!   flight, refresh at `refresh_on`, retries of 429/5xx honouring `Retry-After`.
//! * Continuous access evaluation: [`ClientBuilder::client_capabilities`]
//!   (`cp1`, MSAL's `client_capabilities`) and
//!   [`ConfidentialClient::acquire_token_with_claims`] for claims challenges.
//! * [`ManagedIdentityClient`]: tokens from the Azure host, no secret held
//!   (MSAL's `ManagedIdentityClient`): IMDS, App Service, Azure Arc, Service
//!   Fabric, Machine Learning and Cloud Shell, detected in MSAL's order;
//!   system- or user-assigned ([`ManagedIdentity`]).
//! * [`ChainedCredential`]: azure-identity's `DefaultAzureCredential` order for
//!   a daemon (environment, workload identity, managed identity, Azure CLI).
//! * [`TokenSource`]: what all three implement (object safe), so that
//!   `Arc<dyn TokenSource>` serves whatever the configuration chose; they share
//!   one engine for the cache, single-flight and refresh.
//! * [`TokenCache`]: in-memory by default ([`MemoryCache`]); a file shared by
//!   the processes of a machine and with MSAL apps ([`FileCache`]); Redis for
//!   fleets (`RedisCache`, feature `redis`); chosen by name with [`CacheSpec`].
//!   Processes sharing a store cause one token request between them.
//! * `AzureCoreCredential` (feature `azure-core`): any [`TokenSource`] as the Azure
//!   SDK for Rust's `azure_core::credentials::TokenCredential`, so Key Vault,
//!   Storage and other SDK clients get their tokens through entrad's caches.
//! * [`HttpOptions`] (from entrad-http, shared with entrad-graph): time
//!   limits, CA files, the [`RetryPolicy`], taken by every builder as one
//!   value with `.http(options)`. Replies are read within a size limit
//!   ([`entrad_http::BodyLimit`]: 64 KiB for the token service and the
//!   managed identity endpoints).
//! * [`Error`]: one error type; service refusals carry the AADSTS codes, ids
//!   and a one-line hint.
//! * [`parameters`]: the quickstart's `parameters.json`, its keys and their checks.
//!
//! Secrets, keys, assertions, identity headers and tokens never appear in `Debug`, `Display`,
//! logs or errors.
//!
//! # Features
//!
//! * `redis` (off by default): `RedisCache`, tokens shared by a fleet through
//!   Redis, with AES-256-GCM encryption at rest.
//! * `azure-core` (off by default): `AzureCoreCredential`, the bridge to the
//!   Azure SDK for Rust (`azure_core` 1.x `TokenCredential`).
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use entrad_auth::{Authority, ConfidentialClient, Credential, HttpOptions, RetryPolicy};
//!
//! # fn main() -> entrad_auth::Result<()> {
//! // The quickstart's parameters.json: authority, client_id, secret.
//! let authority = Authority::parse("https://login.microsoftonline.com/contoso.onmicrosoft.com")?;
//! let client = ConfidentialClient::builder(
//!     "00000000-0000-0000-0000-000000000001",
//!     authority,
//!     Credential::secret("the secret's Value"),
//! )
//! .http(
//!     HttpOptions::new()
//!         .with_timeout(Duration::from_secs(20))
//!         .with_retry_policy(RetryPolicy::default().with_max_attempts(3)),
//! )
//! .build()?;
//! assert_eq!(
//!     client.authority().admin_consent_url(client.client_id()).as_str(),
//!     "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=00000000-0000-0000-0000-000000000001"
//! );
//! // Nothing secret leaks through Debug.
//! assert!(!format!("{client:?}").contains("the secret's Value"));
//!
//! // Client credentials need a tenant, not /common.
//! let err = Authority::parse("https://login.microsoftonline.com/common").unwrap_err();
//! assert_eq!(err.kind(), entrad_auth::ErrorKind::Config);
//! # Ok(())
//! # }
//! ```
//!
//! Getting a token needs the network (or the entrad emulator and its CA):
//!
//! ```no_run
//! # use entrad_auth::{Authority, ConfidentialClient, Credential, HttpOptions};
//! # async fn run() -> entrad_auth::Result<()> {
//! let client = ConfidentialClient::builder(
//!     "client-id",
//!     Authority::parse("https://127.0.0.1:8443/tenant-id")?,
//!     Credential::secret("secret"),
//! )
//! .http(HttpOptions::new().with_ca_file("state/ca.pem"))
//! .build()?;
//! let token = client.acquire_token(&["https://graph.microsoft.com/.default"]).await?;
//! println!("expires {:?}, from cache: {}", token.expires_on(), token.from_cache());
//! # Ok(())
//! # }
//! ```

// docs.rs (all features, `--cfg docsrs`) labels feature-gated items with their feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod authority;
#[cfg(feature = "azure-core")]
mod azure_core_bridge;
mod cache;
mod claims;
mod client;
mod clock;
mod credential;
mod discovery;
mod engine;
mod error;
mod file_limit;
#[doc(hidden)]
pub mod fuzz;
mod hint;
mod hot;
mod known_endpoints;
pub mod parameters;
mod refresh;
mod service_reply;
mod single_flight;
mod token;
mod token_body;
mod token_request;
mod token_source;
mod transport;

pub use authority::{Authority, is_loopback};
#[cfg(feature = "azure-core")]
pub use azure_core_bridge::AzureCoreCredential;
pub use cache::{
    CacheKey, CacheLock, CacheSpec, CachedMetadata, CachedToken, FallbackCache, FileCache,
    HeldLock, MemoryCache, TokenCache,
};
#[cfg(feature = "redis")]
pub use cache::{ENCRYPTION_KEY_VAR, EncryptionKey, RedisCache};
pub use client::{ClientBuilder, ConfidentialClient};
pub use credential::chain::{ChainedCredential, ChainedCredentialBuilder};
pub use credential::managed_identity::{
    ManagedIdentity, ManagedIdentityClient, ManagedIdentityClientBuilder, ManagedIdentitySource,
};
pub use credential::{
    CREDENTIAL_NO_LONGER_VALID, CallbackSigner, Credential, EXPIRY_WARNING, KeyStorage,
    SignatureAlgorithm, Signer,
};
#[cfg(feature = "pkcs11")]
pub use credential::{Pkcs11Key, Pkcs11KeyRef, Pkcs11Signer};
pub use entrad_http::{HttpClient, HttpOptions, RetryPolicy};
pub use error::{Cause, Error, ErrorKind, Result, ServiceError};
pub use file_limit::{ASSERTION_FILE_LIMIT, CERTIFICATE_FILE_LIMIT, read_bounded};
pub use token::AccessToken;
pub use token_source::TokenSource;

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
