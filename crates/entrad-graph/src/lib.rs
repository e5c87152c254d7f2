//! Microsoft Graph for app-only daemons, on top of [`entrad_auth`].
//!
//! - [`GraphClient`]: GETs any path or URL with a bearer token from a
//!   [`ConfidentialClient`](entrad_auth::ConfidentialClient) and a
//!   `client-request-id`; retries 429/503/504 honouring `Retry-After`, bounded
//!   by a [`RetryPolicy`]; a cached token Graph refuses (401)
//!   is forgotten and the request sent once more with a fresh one; a claims
//!   challenge (401 `insufficient_claims`, continuous access evaluation of a
//!   client declaring `cp1`) is answered with a token obtained with its claims
//!   and the request sent once more, in listings and delta rounds too.
//! - Transport from entrad-http: [`GraphClientBuilder::http`] takes an
//!   [`HttpOptions`] (time limits, CAs, [`RetryPolicy`]); by default the
//!   Graph requests share the confidential client's HTTP client and
//!   connections. A response is read up to 64 MiB
//!   ([`entrad_http::BodyLimit::GRAPH`]).
//! - [`GraphClient::pages`] / [`GraphClient::items`]: streams across pages,
//!   following `@odata.nextLink` verbatim; memory holds one page at a time.
//! - [`GraphClient::users`]: `$select`, `$filter`, `$orderby`, `$top`, `$count` (adding
//!   `ConsistencyLevel: eventual` when Graph needs it).
//!   [`GraphClient::groups`]: the same on `/v1.0/groups`.
//! - [`GraphClient::raw_pages`], [`UsersQuery::raw_pages`], [`GraphClient::get_raw`],
//!   [`GraphClient::raw_delta_pages`]:
//!   pages whose items stay the JSON text Graph sent ([`RawPage`]), for callers
//!   that pass them on (print, store) without building `serde_json::Value`s.
//! - [`GraphClient::delta`] and [`GraphClient::batch`].
//! - The token only goes over https to the Graph hosts of the public and
//!   national clouds, the base URL's origin and origins added with
//!   [`GraphClientBuilder::allow_origin`] (plain http only to a loopback host,
//!   with [`GraphClientBuilder::allow_insecure_loopback`]); a nextLink or
//!   deltaLink must stay on its page's origin and a cycle of nextLinks is an
//!   error (see [`GraphClient`]).
//! - [`Error`]: Graph's error JSON parsed into [`GraphError`]; [`Error::kind`]
//!   tells configuration, authentication, permission (401/403) and
//!   unavailability apart.
//!
//! ```no_run
//! use entrad_auth::{Authority, ConfidentialClient, Credential};
//! use entrad_graph::GraphClient;
//! use futures_util::TryStreamExt;
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let authority = Authority::parse("https://login.microsoftonline.com/contoso.onmicrosoft.com")?;
//! let auth = ConfidentialClient::builder(
//!     "11111111-2222-3333-4444-555555555555",
//!     authority,
//!     Credential::secret(std::env::var("AZURE_CLIENT_SECRET")?),
//! )
//! .build()?;
//! let graph = GraphClient::builder(auth).build()?;
//! let users = graph.users().select(&["id", "displayName"]).top(999).items();
//! let mut users = std::pin::pin!(users);
//! while let Some(user) = users.try_next().await? {
//!     println!("{} {}", user["id"], user["displayName"]);
//! }
//! # Ok(())
//! # }
//! ```

mod api;
mod auth;
mod batch;
mod challenge;
mod client;
mod cycle;
mod delta;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod groups;
mod json_body;
mod origin;
mod page;
mod paging;
mod permissions;
mod raw_page;
mod request;
mod users;

pub use api::{ApiAnswer, ApiRequest};
pub use auth::GraphAuth;
pub use batch::{BatchRequest, BatchResponse};
pub use client::{GraphClient, GraphClientBuilder};
pub use delta::DeltaPage;
pub use error::{Error, ErrorKind, GraphError, Result};
pub use page::Page;
pub use raw_page::{RawBody, RawPage};
pub use users::UsersQuery;

pub use entrad_http::{HttpOptions, Method, RetryPolicy};
