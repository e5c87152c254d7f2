//! The file store: MSAL's layout, concurrent writers, permissions, damaged
//! files, entries it does not own, and a store that cannot be used.

use std::path::{Path, PathBuf};

use entrad_auth::{CacheKey, CacheSpec, CachedToken, Credential, FileCache, TokenCache};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};

use super::logs;
use crate::support::*;

fn key(target: &str) -> CacheKey {
    CacheKey {
        environment: "login.microsoftonline.com".into(),
        client_id: "file-client".into(),
        realm: "tenant".into(),
        target: target.into(),
    }
}

fn token(secret: &str) -> CachedToken {
    CachedToken {
        secret: SecretString::from(secret),
        token_type: "Bearer".into(),
        cached_at: 1_700_000_000,
        expires_on: 4_000_000_000,
        extended_expires_on: 4_000_000_000,
        refresh_on: Some(3_000_000_000),
        credential: None,
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn set_aside_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_no_entries() {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    let mut tasks = Vec::new();
    for writer in 0..16 {
        // One store per writer, as separate processes would have.
        let cache = FileCache::new(&path);
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let k = key(&format!("https://w{writer}.example/{i}/.default"));
                cache
                    .put(&k, &token(&format!("token-w{writer}-{i}")))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let doc = read_json(&path);
    assert_eq!(doc["AccessToken"].as_object().unwrap().len(), 160);
    let cache = FileCache::new(&path);
    for writer in 0..16 {
        for i in 0..10 {
            let k = key(&format!("https://w{writer}.example/{i}/.default"));
            let got = cache.get(&k).await.unwrap().expect("entry kept");
            assert_eq!(got.secret.expose_secret(), format!("token-w{writer}-{i}"));
        }
    }
    logs::assert_never_logged("token-w3-7");
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_is_private_and_replaced_whole() {
    use std::os::unix::fs::PermissionsExt as _;
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new-dir").join("cache.json");
    let cache = FileCache::new(&path);
    cache.put(&key("a"), &token("private-token")).await.unwrap();
    cache
        .put(&key("b"), &token("private-token-2"))
        .await
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    // No temporary file is left behind; the update lock file stays.
    assert_eq!(
        names_in(path.parent().unwrap()),
        ["cache.json", "cache.json.lock"]
    );
    // A file MSAL Python wrote with the default umask is replaced by a private one.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    cache
        .put(&key("c"), &token("private-token-3"))
        .await
        .unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[tokio::test]
async fn a_truncated_file_is_set_aside_and_entries_written_after_are_kept() {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.json");
    let cache = FileCache::new(&path);
    cache.put(&key("a"), &token("trunc-token-a")).await.unwrap();
    cache.put(&key("b"), &token("trunc-token-b")).await.unwrap();
    let whole = std::fs::read(&path).unwrap();
    let half = &whole[..whole.len() / 2];
    std::fs::write(&path, half).unwrap();

    assert!(
        cache.get(&key("a")).await.unwrap().is_none(),
        "a miss, no crash"
    );
    let aside = set_aside_files(dir.path());
    assert_eq!(aside.len(), 1, "{:?}", names_in(dir.path()));
    assert_eq!(std::fs::read(&aside[0]).unwrap(), half, "kept as it was");
    assert!(!path.exists());
    let warnings = logs::warnings_about("truncated.json");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("not valid JSON"), "{warnings:?}");

    cache.put(&key("c"), &token("trunc-token-c")).await.unwrap();
    cache.put(&key("d"), &token("trunc-token-d")).await.unwrap();
    for k in ["c", "d"] {
        assert!(cache.get(&key(k)).await.unwrap().is_some());
    }
    assert_eq!(set_aside_files(dir.path()).len(), 1);
    assert_eq!(logs::warnings_about("truncated.json").len(), 1);
    logs::assert_never_logged("trunc-token-a");
}

#[tokio::test]
async fn garbage_is_set_aside_when_writing_too() {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    for (name, garbage) in [
        ("garbage.json", &b"{not json at all"[..]),
        ("array.json", b"[1, 2, 3]"),
        ("section.json", br#"{"AccessToken": "oops"}"#),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, garbage).unwrap();
        let cache = FileCache::new(&path);
        cache.put(&key("a"), &token("garbage-token")).await.unwrap();
        assert_eq!(
            cache
                .get(&key("a"))
                .await
                .unwrap()
                .unwrap()
                .secret
                .expose_secret(),
            "garbage-token"
        );
        assert_eq!(logs::warnings_about(name).len(), 1, "{name}");
    }
    assert_eq!(set_aside_files(dir.path()).len(), 3);
    // An empty file is an empty cache, as MSAL Python reads it: nothing to set aside.
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    assert!(
        FileCache::new(&empty)
            .get(&key("a"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(set_aside_files(dir.path()).len(), 3);
    logs::assert_never_logged("garbage-token");
}

#[tokio::test]
async fn sections_and_entries_it_does_not_own_are_kept() {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.json");
    let ours = key("https://graph.microsoft.com/.default");
    let original = json!({
        "AccessToken": {
            "uid.utid-login.microsoftonline.com-accesstoken-other-tenant-user.read": {
                "credential_type": "AccessToken", "secret": "someone-elses-token",
                "home_account_id": "uid.utid", "environment": "login.microsoftonline.com",
                "client_id": "other", "target": "User.Read", "realm": "tenant",
                "token_type": "Bearer", "cached_at": "1", "expires_on": "2", "extended_expires_on": "2"
            }
        },
        "RefreshToken": {"uid.utid-login.microsoftonline.com-refreshtoken-other--user.read": {"secret": "rt", "last_modification_time": "1"}},
        "IdToken": {"uid.utid-login.microsoftonline.com-idtoken-other-tenant-": {"secret": "idt"}},
        "Account": {"uid.utid-login.microsoftonline.com-tenant": {"username": "a@b", "authority_type": "MSSTS"}},
        "AppMetadata": {
            "appmetadata-login.microsoftonline.com-file-client": {"client_id": "file-client", "environment": "login.microsoftonline.com", "family_id": "1"},
            "appmetadata-login.microsoftonline.com-other": {"client_id": "other", "environment": "login.microsoftonline.com"}
        },
        "SomeFutureSection": [1, {"nested": true}]
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&original).unwrap()).unwrap();
    FileCache::new(&path)
        .put(&ours, &token("our-token"))
        .await
        .unwrap();
    let doc = read_json(&path);
    for section in ["RefreshToken", "IdToken", "Account", "SomeFutureSection"] {
        assert_eq!(doc[section], original[section], "{section}");
    }
    let others = "uid.utid-login.microsoftonline.com-accesstoken-other-tenant-user.read";
    assert_eq!(doc["AccessToken"][others], original["AccessToken"][others]);
    assert_eq!(
        doc["AppMetadata"]["appmetadata-login.microsoftonline.com-other"],
        original["AppMetadata"]["appmetadata-login.microsoftonline.com-other"]
    );
    assert_eq!(
        doc["AppMetadata"]["appmetadata-login.microsoftonline.com-file-client"]["family_id"],
        "1"
    );
    let entry = &doc["AccessToken"][ours.msal_key()];
    assert_eq!(
        entry,
        &json!({
            "credential_type": "AccessToken", "secret": "our-token", "home_account_id": null,
            "environment": "login.microsoftonline.com", "client_id": "file-client",
            "target": "https://graph.microsoft.com/.default", "realm": "tenant",
            "token_type": "Bearer", "cached_at": "1700000000", "expires_on": "4000000000",
            "extended_expires_on": "4000000000", "refresh_on": "3000000000"
        })
    );
    logs::assert_never_logged("our-token");
}

#[tokio::test]
async fn a_file_store_that_cannot_be_used_degrades_with_one_warning() {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the cache directory should be: nothing can be created there.
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "").unwrap();
    let path = blocker.join("cache.json");
    let store = CacheSpec::File(Some(path.clone())).build().unwrap();

    let server = server_answering(token_ok("degraded-file-token", 3599)).await;
    let client = builder(&server, Credential::secret(SECRET))
        .cache(store.clone())
        .build()
        .unwrap();
    for _ in 0..3 {
        let token = client.acquire_token(&[GRAPH]).await.unwrap();
        assert_eq!(token.secret(), "degraded-file-token");
    }
    // A fresh client has no token of its own: only the store's memory can serve it.
    let token = fresh_client_token(&server, store).await;
    assert!(token.from_cache(), "the store kept the token in memory");
    assert_eq!(token.secret(), "degraded-file-token");
    assert_eq!(token_requests(&server).await.len(), 1, "kept in memory");
    let warnings = logs::warnings_about("not-a-directory");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    logs::assert_never_logged("degraded-file-token");
}
