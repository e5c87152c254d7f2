//! Managed identity: tokens from the Azure host itself, no secret held
//! (MSAL's `ManagedIdentityClient`). One module per source; [`detect`]
//! picks the source from the environment in MSAL Python's order.

mod app_service;
pub(crate) mod arc;
mod builder;
mod call;
mod client;
mod cloud_shell;
pub(crate) mod detect;
mod endpoint;
mod identity;
mod imds;
mod machine_learning;
pub(crate) mod reply;
mod requester;
mod service_fabric;
mod source;

pub use builder::ManagedIdentityClientBuilder;
pub use client::ManagedIdentityClient;
pub use identity::ManagedIdentity;
pub use source::ManagedIdentitySource;
