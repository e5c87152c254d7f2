//! The directory: one tenant, its apps and its users, persisted in `state.json`
//! unless the emulator runs in memory.

mod apps;
mod change_error;
mod directory;
mod fresh;
mod generate;
mod group;
mod group_changes;
mod group_generate;
mod initial;
mod orders;
mod persist;
mod registrations;
mod replay;
mod roles;
mod store;
mod tenant;
mod tenants;
mod user;

pub(crate) use apps::{
    App, ClientSecret, RegisteredCertificate, SecretCheck, TOKEN_EXCHANGE_AUDIENCE,
    WORKLOAD_SUBJECT,
};
pub use apps::{
    CONSENT_REDIRECT_URI, CONSENTED_CLIENT_ID, NO_SERVICE_PRINCIPAL_CLIENT_ID,
    UNCONSENTED_CLIENT_ID,
};
pub(crate) use change_error::ChangeError;
pub(crate) use directory::Directory;
pub(crate) use group::{Group, GroupStore, MemberChange};
#[cfg(test)]
pub(crate) use orders::Orders;
pub(crate) use orders::Ranked;
pub(crate) use registrations::{GRAPH_ROLE, new_secret_value};
pub use roles::GLOBAL_ADMINISTRATOR;
pub(crate) use roles::can_consent;
pub(crate) use store::{Entry, Store, Tombstone};
pub use tenant::{DEFAULT_TENANT_DOMAIN, DEFAULT_TENANT_ID};
pub(crate) use tenants::open_all;
pub(crate) use user::User;
