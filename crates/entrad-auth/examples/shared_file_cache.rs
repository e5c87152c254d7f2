//! One of several processes sharing a token cache file: adds app tokens to it
//! and reads each back, as daemons started side by side by cron do. The
//! file store locks the file (its own lock, and msal-extensions' lock file),
//! so no writer loses another's entries.
//!
//! ```console
//! cargo run -p entrad-auth --example shared_file_cache -- tokens.json app 60 20 other
//! ```
//!
//! Arguments: the cache file, a client-id prefix (tokens are filed for
//! `PREFIX-0` .. `PREFIX-{COUNT-1}`), how many, the pause between writes in
//! milliseconds, and optionally another writer's prefix whose entries are read
//! as they come. Exits 1 with a message when an entry just written is missing.
//! entrad-auth's tests run it beside MSAL Python's msal-extensions.

use std::time::Duration;

use entrad_auth::{CacheKey, CachedToken, FileCache, TokenCache};
use secrecy::{ExposeSecret as _, SecretString};

/// An app token of `client_id` as MSAL Python files it for the authority
/// `https://login.microsoftonline.com/tenant`.
fn key(client_id: &str) -> CacheKey {
    CacheKey {
        environment: "login.microsoftonline.com".into(),
        client_id: client_id.into(),
        realm: "tenant".into(),
        target: "https://graph.microsoft.com/.default".into(),
    }
}

/// A token for `client_id` whose secret names it, valid until 2096.
fn token(client_id: &str) -> CachedToken {
    CachedToken {
        secret: SecretString::from(format!("at-{client_id}")),
        token_type: "Bearer".into(),
        cached_at: 1_700_000_000,
        expires_on: 4_000_000_000,
        extended_expires_on: 4_000_000_000,
        refresh_on: None,
        credential: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let usage = "usage: shared_file_cache FILE PREFIX COUNT PAUSE_MS [READ_PREFIX]";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, prefix, count, pause, rest @ ..] = args.as_slice() else {
        return Err(usage.into());
    };
    let count: usize = count.parse().map_err(|_| usage.to_owned())?;
    let pause = Duration::from_millis(pause.parse().map_err(|_| usage.to_owned())?);
    let cache = FileCache::new(file);
    for i in 0..count {
        let client_id = format!("{prefix}-{i}");
        cache
            .put(&key(&client_id), &token(&client_id))
            .await
            .map_err(|e| format!("storing {client_id}: {e}"))?;
        let got = cache
            .get(&key(&client_id))
            .await
            .map_err(|e| format!("reading {client_id}: {e}"))?;
        if got.map(|t| t.secret.expose_secret().to_owned()) != Some(format!("at-{client_id}")) {
            return Err(format!("{client_id}, just written, is missing"));
        }
        // Another writer's entry: a read that may meet its in-place rewrite.
        if let Some(other) = rest.first() {
            cache
                .get(&key(&format!("{other}-{i}")))
                .await
                .map_err(|e| format!("reading {other}-{i}: {e}"))?;
        }
        tokio::time::sleep(pause).await;
    }
    Ok(())
}
