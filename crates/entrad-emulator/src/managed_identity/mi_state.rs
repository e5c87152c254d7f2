//! What the managed identity routes share, and the check of a source's secret header.

use std::sync::Arc;

use axum::http::HeaderMap;

use super::arc_keys::ArcKeys;
use crate::base_url::Origin;
use crate::directories::Directories;
use crate::keys::SigningKey;

/// The secrets each source's caller must present, fresh at every start.
pub(crate) struct Secrets {
    pub(crate) app_service: String,
    pub(crate) machine_learning: String,
    pub(crate) service_fabric: String,
}

/// What the managed identity routes share.
pub(crate) struct MiState {
    /// The emulator's own address, which names Graph as a resource too.
    pub(crate) origin: Arc<Origin>,
    /// The tenant whose service principals the identities are.
    pub(crate) directories: Arc<Directories>,
    /// The key that signs their tokens.
    pub(crate) signing: Arc<SigningKey>,
    pub(crate) secrets: Secrets,
    /// Azure Arc's keys and the directory their files are written to.
    pub(crate) arc_keys: Arc<ArcKeys>,
}

/// True when the request's `name` header is `expected` (compared in constant time).
pub(crate) fn header_matches(headers: &HeaderMap, name: &str, expected: &str) -> bool {
    headers
        .get(name)
        .map(|v| v.as_bytes())
        .is_some_and(|given| {
            given.len() == expected.len()
                && given
                    .iter()
                    .zip(expected.as_bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
}
