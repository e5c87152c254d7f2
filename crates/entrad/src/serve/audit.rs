//! One audit line per issued token on stderr: who asked (address, or uid on
//! the Unix socket), for what, and whether the cache answered (`hit`, `miss`, or `joined`: waited for another caller's token request); never the token.

use std::io::Write;
use std::time::SystemTime;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::serve::listener::Peer;
use crate::serve::metrics::{Origin, Protocol};

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    audit: &'static str,
    caller: String,
    protocol: &'static str,
    resource: &'a str,
    cache: &'static str,
    expires_on: u64,
}

/// Writes the line for one token handed out.
pub fn token_issued(
    peer: &Peer,
    protocol: Protocol,
    resource: &str,
    origin: Origin,
    expires_on: SystemTime,
) {
    let line = Line {
        time: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        audit: "token_issued",
        caller: peer.to_string(),
        protocol: protocol.label(),
        resource,
        cache: origin.label(),
        expires_on: epoch_seconds(expires_on),
    };
    if let Ok(mut text) = serde_json::to_vec(&line) {
        text.push(b'\n');
        // One write per line, so that concurrent lines never interleave.
        let _ = std::io::stderr().lock().write_all(&text);
    }
}

/// Seconds since the Unix epoch (0 before it).
pub fn epoch_seconds(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
