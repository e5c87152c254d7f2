//! [`CachedMetadata`]: a document about an authority (what discovery found),
//! kept in the store beside the tokens so that every process sharing the
//! store skips discovery.

/// How long after it was stored a metadata document is kept at all: a store
/// with expiring entries (Redis) lets it go then; the client treats an older
/// one as missing. Within it, a document past its freshness (24 hours) is
/// still used while it is discovered again in the background.
pub(crate) const METADATA_KEPT_FOR_SECS: u64 = 7 * 24 * 3600;

/// A metadata document as a store keeps it: no secret, only what the
/// authority publishes to anyone (e.g. `{"token_endpoint": "https://…"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedMetadata {
    /// The document: a JSON object, as text.
    pub document: String,
    /// When it was fetched from the authority, in epoch seconds.
    pub fetched_at: u64,
}
