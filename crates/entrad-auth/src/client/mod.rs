//! The confidential client (the client-credentials flow) and its builder.

mod builder;
mod confidential_client;

pub use builder::ClientBuilder;
pub(crate) use builder::http_setup;
pub use confidential_client::ConfidentialClient;
