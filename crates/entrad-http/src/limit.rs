//! How much of a response body is read, by kind, and the reader that stops
//! at the limit.

use std::fmt;

use futures_util::{Stream, StreamExt as _};

/// The most a response body of one kind may hold. Bodies are read chunk by
/// chunk and the read stops as soon as the next chunk would pass the limit
/// (or at once when `Content-Length` announces more), so memory never holds
/// more than the limit, whatever the server sends.
///
/// | kind | limit | why |
/// |---|---|---|
/// | [`BodyLimit::TOKEN_SERVICE`] | 64 KiB | a token reply, an OAuth error, the OpenID metadata or instance discovery: 1 to 5 KB of JSON |
/// | [`BodyLimit::MANAGED_IDENTITY`] | 64 KiB | a managed identity endpoint's token reply or error: about 2 KB |
/// | [`BodyLimit::GRAPH`] | 64 MiB | a Graph page: 999 users with every property come to about 5 MB; a `$batch` answer (20 responses) fits unless its responses are whole pages of that size |
///
/// ```
/// use entrad_http::BodyLimit;
///
/// assert_eq!(BodyLimit::TOKEN_SERVICE.bytes(), 64 * 1024);
/// assert_eq!(BodyLimit::GRAPH.to_string(), "64 MiB for a Graph response");
/// let mine = BodyLimit::new(1500, "a status page");
/// assert_eq!(mine.size(), "1500 bytes");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit {
    bytes: u64,
    what: &'static str,
}

impl BodyLimit {
    /// The token service: token replies, OAuth errors, OpenID Connect
    /// metadata and instance discovery, 64 KiB.
    pub const TOKEN_SERVICE: BodyLimit = BodyLimit::new(64 * 1024, "a token service reply");

    /// Managed identity endpoints (IMDS, App Service, Azure Arc, Service
    /// Fabric, Machine Learning, Cloud Shell), 64 KiB.
    pub const MANAGED_IDENTITY: BodyLimit = BodyLimit::new(64 * 1024, "a managed identity reply");

    /// Microsoft Graph: a page, an object, a `$batch` answer, 64 MiB.
    pub const GRAPH: BodyLimit = BodyLimit::new(64 * 1024 * 1024, "a Graph response");

    /// A limit of `bytes` for bodies that `what` names in errors ("a status page").
    pub const fn new(bytes: u64, what: &'static str) -> BodyLimit {
        BodyLimit { bytes, what }
    }

    /// The most a body may hold, in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// What the bodies are, for messages ("a Graph response").
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The limit as people write it: "64 KiB", "1 MiB", "1500 bytes".
    pub fn size(&self) -> String {
        size(self.bytes)
    }
}

impl fmt::Display for BodyLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for {}", self.size(), self.what)
    }
}

/// `bytes` in the largest binary unit that divides it.
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Why [`read_limited`] stopped without a whole body.
#[derive(Debug)]
pub(crate) enum Stop<E> {
    /// The body (announced or read) passed the limit.
    TooLarge,
    /// The stream failed.
    Failed(E),
}

/// Collects `chunks` while they stay within `limit` bytes; stops, without
/// polling further, at the chunk that would pass it. `announced` is the
/// `Content-Length`, refused at once when it is over the limit (and used to
/// size the buffer when it is not).
pub(crate) async fn read_limited<S, B, E>(
    mut chunks: S,
    announced: Option<u64>,
    limit: u64,
) -> Result<Vec<u8>, Stop<E>>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    if announced.is_some_and(|length| length > limit) {
        return Err(Stop::TooLarge);
    }
    // A lying Content-Length cannot make the buffer larger than the limit.
    let capacity = announced.unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(Stop::Failed)?;
        let chunk = chunk.as_ref();
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(Stop::TooLarge);
        }
        body.extend_from_slice(chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicU64, Ordering};

    use futures_util::stream;

    use super::*;

    /// An endless body in 1000-byte chunks, counting the chunks pulled.
    fn endless(pulled: &AtomicU64) -> impl Stream<Item = Result<Vec<u8>, Infallible>> + Unpin {
        stream::repeat_with(move || {
            pulled.fetch_add(1, Ordering::SeqCst);
            Ok(vec![b'x'; 1000])
        })
    }

    #[tokio::test]
    async fn an_endless_body_stops_at_the_limit() {
        let pulled = AtomicU64::new(0);
        let result = read_limited(endless(&pulled), None, 10_500).await;
        assert!(matches!(result, Err(Stop::TooLarge)));
        // Ten chunks fit, the eleventh would pass 10 500 bytes: nothing after it is pulled.
        assert_eq!(pulled.load(Ordering::SeqCst), 11);
    }

    #[tokio::test]
    async fn a_body_at_the_limit_is_read_whole() {
        let chunks = stream::iter([Ok::<_, Infallible>(vec![1u8; 600]), Ok(vec![2u8; 400])]);
        let body = read_limited(chunks, Some(1000), 1000).await.unwrap();
        assert_eq!(body.len(), 1000);
        assert_eq!((body[0], body[999]), (1, 2));
    }

    #[tokio::test]
    async fn an_announced_length_over_the_limit_is_refused_unread() {
        let pulled = AtomicU64::new(0);
        let result = read_limited(endless(&pulled), Some(1001), 1000).await;
        assert!(matches!(result, Err(Stop::TooLarge)));
        assert_eq!(pulled.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_failing_stream_is_the_failure() {
        let chunks = stream::iter([Ok(vec![1u8; 10]), Err("reset")]);
        let result = read_limited(chunks, None, 1000).await;
        assert!(matches!(result, Err(Stop::Failed("reset"))));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(BodyLimit::TOKEN_SERVICE.size(), "64 KiB");
        assert_eq!(BodyLimit::GRAPH.size(), "64 MiB");
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(1500), "1500 bytes");
    }
}
