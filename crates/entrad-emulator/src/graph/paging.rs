//! Opaque paging and delta tokens (base64url JSON), tied to the directory's sync epoch.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::token::jws;

/// Where a delta round stands (a `$skiptoken`). The serialised names stay one
/// letter: tokens handed out earlier must still decode, and links stay short.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeltaCursor {
    /// The directory's sync epoch the round belongs to.
    #[serde(rename = "e")]
    pub(crate) epoch: String,
    /// Changes after this sequence number; `None` for the initial full sync.
    #[serde(rename = "s")]
    pub(crate) since: Option<u64>,
    /// Sequence number when the round started: the next round's start.
    #[serde(rename = "n")]
    pub(crate) round_start: u64,
    /// Users after this id are still to come (phase 1) ...
    #[serde(rename = "u")]
    pub(crate) after_user: Option<Uuid>,
    /// ... or, once users are done, removals from this tombstone index (phase 2).
    #[serde(rename = "t")]
    pub(crate) from_tombstone: Option<usize>,
}

/// What a deltaLink carries (a `$deltatoken`), serialised as [`DeltaCursor`] is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeltaToken {
    /// The directory's sync epoch.
    #[serde(rename = "e")]
    pub(crate) epoch: String,
    /// The next round reports changes after this sequence number.
    #[serde(rename = "s")]
    pub(crate) since: u64,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `$skiptoken` as the emulator wrote it before its fields had names.
    const OLD_CURSOR: &str = "eyJlIjoiZXBvY2gtMSIsInMiOjMsIm4iOjcsInUiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMmEiLCJ0IjpudWxsfQ";
    /// A `$deltatoken` as the emulator wrote it before its fields had names.
    const OLD_TOKEN: &str = "eyJlIjoiZXBvY2gtMSIsInMiOjd9";

    #[test]
    fn tokens_written_before_the_field_names_still_decode_and_encode_the_same() {
        let cursor: DeltaCursor = decode(OLD_CURSOR).unwrap();
        assert_eq!(cursor.epoch, "epoch-1");
        assert_eq!(cursor.since, Some(3));
        assert_eq!(cursor.round_start, 7);
        assert_eq!(cursor.after_user, Some(Uuid::from_u128(42)));
        assert_eq!(cursor.from_tombstone, None);
        assert_eq!(encode(&cursor), OLD_CURSOR);
        let token: DeltaToken = decode(OLD_TOKEN).unwrap();
        assert_eq!((token.epoch.as_str(), token.since), ("epoch-1", 7));
        assert_eq!(encode(&token), OLD_TOKEN);
    }
}
