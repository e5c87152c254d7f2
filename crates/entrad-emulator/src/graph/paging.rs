//! Opaque paging and delta tokens (base64url JSON), tied to the directory's sync epoch.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::token::jws;

/// Where a delta round stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeltaCursor {
    /// Sync epoch.
    pub(crate) e: String,
    /// Changes after this sequence number; `None` for the initial full sync.
    pub(crate) s: Option<u64>,
    /// Sequence number when the round started: the next round's start.
    pub(crate) n: u64,
    /// Users after this id are still to come (phase 1) ...
    pub(crate) u: Option<Uuid>,
    /// ... or, once users are done, removals from this tombstone index (phase 2).
    pub(crate) t: Option<usize>,
}

/// What a deltaLink carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeltaToken {
    pub(crate) e: String,
    pub(crate) s: u64,
}

pub(crate) fn encode<T: Serialize>(value: &T) -> String {
    jws::encode(&serde_json::to_vec(value).unwrap_or_default())
}

pub(crate) fn decode<T: DeserializeOwned>(token: &str) -> Option<T> {
    serde_json::from_slice(&jws::decode(token)?).ok()
}

/// The `$skiptoken` of a users list: the last id served.
pub(crate) fn list_token(last: Uuid) -> String {
    encode(&serde_json::json!({ "after": last }))
}

pub(crate) fn list_after(token: &str) -> Option<Uuid> {
    let value: serde_json::Value = decode(token)?;
    value.get("after")?.as_str()?.parse().ok()
}
