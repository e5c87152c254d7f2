//! The emulated Entra v2.0 token service.

pub(crate) mod assertion;
pub(crate) mod endpoint;
pub(crate) mod errors;
pub(crate) mod federated;
pub(crate) mod jws;
pub(crate) mod metadata;
pub(crate) mod mint;
pub(crate) mod resource;
