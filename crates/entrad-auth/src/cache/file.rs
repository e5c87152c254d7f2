//! A token cache in a JSON file, shared by the processes of one machine and by
//! MSAL applications (MSAL's unified token cache schema).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use futures_util::future::{BoxFuture, FutureExt as _, ready};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::lock_file::{self, create_private_dir, open_private};
use super::msal_entry::{
    ACCESS_TOKEN_SECTION, APP_METADATA_SECTION, app_metadata_key, from_entry, merge_app_metadata,
    to_entry,
};
use super::msal_lockfile;
use super::{CacheKey, CacheLock, CachedMetadata, CachedToken, HeldLock, TokenCache};
use crate::clock::now_secs;
use crate::file_limit::read_bounded;
use crate::service_reply::epoch;
use crate::{Error, Result};

/// The file name under the user's cache directory.
const FILE_NAME: &str = "msal_token_cache.json";

/// The top-level section of the authorities' metadata (what discovery
/// found). MSAL's readers look up the sections they know by name and keep
/// the others when they write the file back (MSAL Python's
/// `SerializableTokenCache`, msal-extensions' `PersistedTokenCache`), so
/// the file stays theirs to share.
const METADATA_SECTION: &str = "EntradMetadata";

/// Read-modify-write holds the update lock for milliseconds: a longer wait
/// means a stuck process, and the store then fails (the client goes on without it).
const UPDATE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// The most the cache file may hold: 64 MiB. An app token entry is about
/// 2 KB, so this is tens of thousands of them; the bound keeps a wrong path
/// (`/dev/zero`) from exhausting memory. A larger file is an error of the
/// store (the client goes on without it), never set aside.
const CACHE_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// How often an empty file, or one that does not parse, is read before it
/// counts as empty or is set aside; the pause before the second read
/// (doubling after each).
const READS_OF_AN_UNSETTLED_FILE: u32 = 5;
const FIRST_REREAD_PAUSE: Duration = Duration::from_millis(10);

/// How long a process waits for another one's token request (which the
/// default retry policy bounds at 60 s) before going ahead on its own.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// App tokens in a JSON file in MSAL's unified token cache format, shared by
/// processes on one machine and with MSAL applications: MSAL Python's
/// `SerializableTokenCache` can load the file and serve the token from it, and
/// tokens MSAL wrote there are served by this cache.
///
/// * Writes are read-modify-write under two locks, to a temporary file in the
///   same directory created with mode 0600, then renamed over the file:
///   entrad's own advisory lock (`<file>.lock`) and msal-extensions' lock
///   file (`<file>.lockfile`: created exclusively, flocked, holding the pid,
///   removed when done; both of msal-extensions 1.3's ways to take it, with
///   or without portalocker, are excluded), so that MSAL Python apps
///   persisting the same file with `PersistedTokenCache(FilePersistence(..))`
///   and entrad processes lose none of each other's entries. A lock file
///   left by a process that died is taken over once it is 5 s old and
///   unflocked; one naming a live process is waited for (at most 10 s, then
///   the store fails and token acquisition goes on without it).
/// * Readers take no lock. msal-extensions rewrites the file in place, so a
///   reader can meet it half-written: a file that does not parse is read
///   again a few times (about 150 ms in all) before it counts as corrupt.
/// * The replaced file's mtime is set to the precise time of writing:
///   msal-extensions reloads the file only when its mtime is later than its
///   last write.
/// * Sections and entries it does not own (`RefreshToken`, `Account`, other
///   apps' tokens, ...) are kept.
/// * What discovery found about an authority (see
///   [`TokenCache::get_metadata`]) is in a top-level section of its own,
///   `EntradMetadata`: `{"<name>": {"document": {..}, "fetched_at":
///   "<epoch seconds>"}}`, which MSAL's readers ignore and keep.
/// * A file that is still not valid JSON (corrupt, truncated) under both
///   locks is renamed aside to
///   `<file>.corrupt-<epoch seconds>` with a warning, and the cache starts
///   empty; it never stops token acquisition.
/// * [`TokenCache::lock`] takes `<file>.flight-<hash>.lock`, one per key, so
///   that processes starting together cause one token request.
///
/// The file holds bearer tokens in clear, as MSAL's does: it is readable by
/// its owner only.
///
/// ```
/// use std::sync::Arc;
/// use entrad_auth::{Authority, ConfidentialClient, Credential, FileCache};
///
/// # fn main() -> entrad_auth::Result<()> {
/// let dir = std::env::temp_dir().join("entrad-doc-example");
/// let cache = FileCache::new(dir.join("msal_token_cache.json"));
/// let client = ConfidentialClient::builder(
///     "client-id",
///     Authority::parse("https://login.microsoftonline.com/tenant-id")?,
///     Credential::secret("secret"),
/// )
/// .cache(Arc::new(cache))
/// .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
pub struct FileCache {
    path: PathBuf,
    lock_wait: Duration,
}

impl FileCache {
    /// A cache in the file at `path` (created on the first store, with its
    /// directory). No I/O happens here.
    pub fn new(path: impl Into<PathBuf>) -> FileCache {
        FileCache {
            path: path.into(),
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// `<user cache dir>/entrad/msal_token_cache.json` (on Linux
    /// `$XDG_CACHE_HOME` or `~/.cache`); `None` when the platform has no user
    /// cache directory.
    pub fn default_path() -> Option<PathBuf> {
        dirs::cache_dir().map(|dir| dir.join("entrad").join(FILE_NAME))
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long [`TokenCache::lock`] waits for another process's token
    /// request before going ahead without the lock (default 60 s).
    pub fn with_lock_wait(mut self, wait: Duration) -> FileCache {
        self.lock_wait = wait;
        self
    }

    fn flight_lock_path(&self, key: &CacheKey) -> PathBuf {
        let digest = Sha256::digest(key.msal_key().as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        sibling(&self.path, &format!("flight-{hex}.lock"))
    }

    /// Runs blocking file work on tokio's blocking pool.
    fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Path) -> Result<T> + Send + 'static,
    ) -> BoxFuture<'static, Result<T>> {
        let path = self.path.clone();
        async move {
            tokio::task::spawn_blocking(move || work(&path))
                .await
                .map_err(|e| Error::cache("the cache file task failed", e))?
        }
        .boxed()
    }
}

impl TokenCache for FileCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CachedToken>>> {
        let key = key.clone();
        self.blocking(move |path| find(path, |doc| lookup(doc, &key)))
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: &'a CachedToken) -> BoxFuture<'a, Result<()>> {
        let (key, token) = (key.clone(), token.clone());
        self.blocking(move |path| {
            update(path, |doc| {
                let mut tokens = take_section(doc, ACCESS_TOKEN_SECTION);
                tokens.insert(key.msal_key(), to_entry(&key, &token));
                doc.insert(ACCESS_TOKEN_SECTION.into(), Value::Object(tokens));
                let mut apps = take_section(doc, APP_METADATA_SECTION);
                let metadata_key = app_metadata_key(&key);
                let merged = merge_app_metadata(apps.remove(&metadata_key), &key);
                apps.insert(metadata_key, merged);
                doc.insert(APP_METADATA_SECTION.into(), Value::Object(apps));
                true
            })
        })
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<()>> {
        let key = key.clone();
        self.blocking(move |path| {
            if matches!(read_document(path)?, Document::Missing) {
                return Ok(());
            }
            update(path, |doc| {
                doc.get_mut(ACCESS_TOKEN_SECTION)
                    .and_then(Value::as_object_mut)
                    .and_then(|tokens| tokens.remove(&key.msal_key()))
                    .is_some()
            })
        })
    }

    fn lock<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Result<Option<CacheLock>>> {
        let path = self.flight_lock_path(key);
        let wait = self.lock_wait;
        let dir = self.path.parent().map(Path::to_path_buf);
        async move {
            if let Some(dir) = dir.filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(&dir).map_err(|e| io_error(&dir, "cannot create", e))?;
            }
            match lock_file::exclusive(&path, wait).await {
                Ok(Some(file)) => Ok(Some(CacheLock::new(FileLock { _file: file, path }))),
                Ok(None) => {
                    tracing::warn!(lock = %path.display(), waited = ?wait, "another process has held the token cache lock too long; requesting a token without it");
                    Ok(None)
                }
                Err(e) => Err(io_error(&path, "cannot lock", e)),
            }
        }
        .boxed()
    }

    fn get_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<CachedMetadata>>> {
        let name = name.to_owned();
        self.blocking(move |path| find(path, |doc| lookup_metadata(doc, &name)))
    }

    fn put_metadata<'a>(
        &'a self,
        name: &'a str,
        metadata: &'a CachedMetadata,
    ) -> BoxFuture<'a, Result<()>> {
        let (name, metadata) = (name.to_owned(), metadata.clone());
        self.blocking(move |path| {
            let entry = metadata_entry(&metadata)?;
            update(path, |doc| {
                // A section that is not an object is ours and unreadable: replaced.
                let mut section = match doc.remove(METADATA_SECTION) {
                    Some(Value::Object(section)) => section,
                    _ => Map::new(),
                };
                section.insert(name, entry);
                doc.insert(METADATA_SECTION.into(), Value::Object(section));
                true
            })
        })
    }

    fn remove_metadata<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        let name = name.to_owned();
        self.blocking(move |path| {
            if matches!(read_document(path)?, Document::Missing) {
                return Ok(());
            }
            update(path, |doc| {
                doc.get_mut(METADATA_SECTION)
                    .and_then(Value::as_object_mut)
                    .and_then(|section| section.remove(&name))
                    .is_some()
            })
        })
    }
}

impl fmt::Debug for FileCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileCache")
            .field("path", &self.path)
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

/// The flight lock: held while the file stays open.
struct FileLock {
    _file: File,
    path: PathBuf,
}

impl HeldLock for FileLock {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        drop(self);
        ready(Ok(())).boxed()
    }
}

impl fmt::Debug for FileLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLock")
            .field("path", &self.path)
            .finish()
    }
}

/// What is on disk.
enum Document {
    Missing,
    /// Nothing but white space: an empty cache (or one being rewritten).
    Empty,
    Parsed(Map<String, Value>),
    /// Not an MSAL cache document; the reason never quotes the content.
    Corrupt(String),
}

/// [`read_document`], read again a few times over about 150 ms while it is
/// corrupt or empty: an MSAL app rewrites the file in place (truncate, then
/// write), so a reader can meet it empty or half-written.
fn read_settled(path: &Path) -> Result<Document> {
    let mut pause = FIRST_REREAD_PAUSE;
    for _ in 1..READS_OF_AN_UNSETTLED_FILE {
        match read_document(path)? {
            Document::Corrupt(_) | Document::Empty => std::thread::sleep(pause),
            settled => return Ok(settled),
        }
        pause *= 2;
    }
    read_document(path)
}

fn read_document(path: &Path) -> Result<Document> {
    let bytes = match read_bounded(path, CACHE_FILE_LIMIT) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Document::Missing),
        Err(e) => return Err(io_error(path, "cannot read", e)),
    };
    // MSAL Python deserializes an empty state as an empty cache.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Document::Empty);
    }
    let doc = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(doc)) => doc,
        Ok(_) => {
            return Ok(Document::Corrupt(
                "the top level is not a JSON object".into(),
            ));
        }
        Err(e) => return Ok(Document::Corrupt(format!("not valid JSON ({e})"))),
    };
    for name in [ACCESS_TOKEN_SECTION, APP_METADATA_SECTION] {
        if doc.get(name).is_some_and(|s| !s.is_object()) {
            return Ok(Document::Corrupt(format!(
                "its {name} section is not an object"
            )));
        }
    }
    Ok(Document::Parsed(doc))
}

/// What `look` finds in the file. A file still unsettled after
/// [`read_settled`] is read again under the locks, where no MSAL app is
/// halfway through rewriting it, so that only a file really damaged is set
/// aside, and a slow writer's entries are still found.
fn find<T>(path: &Path, look: impl Fn(&Map<String, Value>) -> Option<T>) -> Result<Option<T>> {
    match read_settled(path)? {
        Document::Missing => Ok(None),
        Document::Parsed(doc) => Ok(look(&doc)),
        Document::Corrupt(_) | Document::Empty => {
            let mut found = None;
            update(path, |doc| {
                found = look(doc);
                false
            })?;
            Ok(found)
        }
    }
}

/// The metadata stored under `name`: `{"document": {...}, "fetched_at":
/// "<epoch seconds>"}` in the `EntradMetadata` section. One that does not
/// read so is missing (and replaced by the next store).
fn lookup_metadata(doc: &Map<String, Value>, name: &str) -> Option<CachedMetadata> {
    let entry = doc.get(METADATA_SECTION)?.get(name)?;
    let document = entry.get("document").filter(|d| d.is_object())?;
    Some(CachedMetadata {
        document: document.to_string(),
        fetched_at: epoch(entry.get("fetched_at")?)?,
    })
}

/// The file's form of `metadata`: its document as JSON (readable in the
/// file), the time as MSAL writes times (a string of epoch seconds).
fn metadata_entry(metadata: &CachedMetadata) -> Result<Value> {
    let document = match serde_json::from_str::<Value>(&metadata.document) {
        Ok(document @ Value::Object(_)) => document,
        _ => {
            return Err(Error::Cache {
                message: "a metadata document to store is not a JSON object".into(),
                source: None,
            });
        }
    };
    Ok(serde_json::json!({
        "document": document,
        "fetched_at": metadata.fetched_at.to_string(),
    }))
}

fn lookup(doc: &Map<String, Value>, key: &CacheKey) -> Option<CachedToken> {
    doc.get(ACCESS_TOKEN_SECTION)?
        .get(key.msal_key())
        .and_then(from_entry)
}

/// Takes the named section out of the document as an object (empty when
/// missing; `read_document` has checked that an existing one is an object).
/// Put it back with `doc.insert`.
fn take_section(doc: &mut Map<String, Value>, name: &str) -> Map<String, Value> {
    match doc.remove(name) {
        Some(Value::Object(fields)) => fields,
        _ => Map::new(),
    }
}

/// Read-modify-write under the update lock. `change` returns whether it
/// changed the document (nothing is written otherwise). A corrupt file is set
/// aside first.
fn update(path: &Path, change: impl FnOnce(&mut Map<String, Value>) -> bool) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| io_error(dir, "cannot create", e))?;
    }
    let lock_path = sibling(path, "lock");
    let _lock = lock_file::exclusive_blocking(&lock_path, UPDATE_LOCK_WAIT)
        .map_err(|e| io_error(&lock_path, "cannot lock", e))?
        .ok_or_else(|| Error::Cache {
            message: format!(
                "{} stayed locked for {UPDATE_LOCK_WAIT:?}",
                lock_path.display()
            ),
            source: None,
        })?;
    // Taken second, by entrad processes one at a time: MSAL apps poll for
    // it every 250 ms, and a queue of entrad writers must not starve them.
    let msal_lock_path = sibling(path, "lockfile");
    let _msal_lock = msal_lockfile::acquire(&msal_lock_path, UPDATE_LOCK_WAIT)
        .map_err(|e| io_error(&msal_lock_path, "cannot lock", e))?
        .ok_or_else(|| {
            Error::Cache {
                message: format!(
                    "{} stayed locked for {UPDATE_LOCK_WAIT:?}; if no MSAL app is writing the cache, a process that died left it: remove it",
                    msal_lock_path.display()
                ),
                source: None,
            }
        })?;
    let mut doc = match read_settled(path)? {
        Document::Missing | Document::Empty => Map::new(),
        Document::Parsed(doc) => doc,
        Document::Corrupt(reason) => {
            set_aside(path, &reason)?;
            Map::new()
        }
    };
    if change(&mut doc) {
        write_atomically(path, &doc)?;
    }
    Ok(())
}

/// Keeps the damaged file for inspection and lets the cache start afresh.
fn set_aside(path: &Path, reason: &str) -> Result<()> {
    let secs = now_secs();
    let mut aside = sibling(path, &format!("corrupt-{secs}"));
    let mut n = 1;
    while aside.exists() {
        aside = sibling(path, &format!("corrupt-{secs}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &aside).map_err(|e| io_error(path, "cannot set aside", e))?;
    tracing::warn!(
        file = %path.display(),
        set_aside_as = %aside.display(),
        "the token cache file is {reason}: set it aside, starting an empty cache"
    );
    Ok(())
}

/// Writes a temporary file (mode 0600 from creation) beside `path`, flushes
/// it to disk and renames it over `path`.
fn write_atomically(path: &Path, doc: &Map<String, Value>) -> Result<()> {
    let bytes = Zeroizing::new(
        serde_json::to_vec_pretty(doc)
            .map_err(|e| Error::cache("cannot serialise the token cache", e))?,
    );
    let temp = sibling(
        path,
        &format!(
            "tmp-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ),
    );
    let written = (|| {
        let mut file = open_private(OpenOptions::new().write(true).create_new(true), &temp)?;
        file.write_all(&bytes)?;
        // MSAL apps reload the file only when its mtime is later than their
        // last sync (`time.time()`); the kernel stamps writes with a coarse
        // clock that can lag that by a few ms, so the precise time is set.
        file.set_modified(SystemTime::now())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    written.map_err(|e| {
        // The temporary file may not exist: nothing to report then.
        let _ = std::fs::remove_file(&temp);
        io_error(path, "cannot write", e)
    })
}

/// `<dir>/<file name>.<suffix>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn io_error(path: &Path, what: &str, e: io::Error) -> Error {
    Error::cache(format!("{what} {}", path.display()), e)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{key, token};
    use super::*;
    use secrecy::ExposeSecret as _;
    use serde_json::json;

    #[test]
    fn sibling_names() {
        let p = Path::new("/x/msal_token_cache.json");
        assert_eq!(
            sibling(p, "lock"),
            Path::new("/x/msal_token_cache.json.lock")
        );
        let cache = FileCache::new(p);
        let lock = cache.flight_lock_path(&key("a"));
        let name = lock.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("msal_token_cache.json.flight-") && name.ends_with(".lock"),
            "{name}"
        );
        assert_ne!(lock, cache.flight_lock_path(&key("b")));
    }

    #[tokio::test]
    async fn put_get_remove_in_the_msal_layout() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(dir.path().join("sub").join("cache.json"));
        assert!(cache.get(&key("a")).await.unwrap().is_none());
        cache.put(&key("a"), &token("one")).await.unwrap();
        cache.put(&key("b"), &token("two")).await.unwrap();
        let got = cache.get(&key("a")).await.unwrap().unwrap();
        assert_eq!(got.secret.expose_secret(), "one");
        let doc: Value = serde_json::from_slice(&std::fs::read(cache.path()).unwrap()).unwrap();
        assert_eq!(
            doc["AccessToken"][key("a").msal_key()]["expires_on"],
            "4000000000"
        );
        assert_eq!(
            doc["AppMetadata"]["appmetadata-127.0.0.1-client"],
            json!({"client_id": "client", "environment": "127.0.0.1"})
        );
        cache.remove(&key("a")).await.unwrap();
        assert!(cache.get(&key("a")).await.unwrap().is_none());
        assert!(cache.get(&key("b")).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn metadata_beside_the_tokens_in_a_section_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(dir.path().join("cache.json"));
        cache.remove_metadata("a").await.unwrap();
        assert!(!cache.path().exists(), "nothing to remove, nothing written");
        let doc = CachedMetadata {
            document: r#"{"token_endpoint":"https://h/t/oauth2/v2.0/token"}"#.into(),
            fetched_at: 1_700_000_000,
        };
        cache.put(&key("a"), &token("one")).await.unwrap();
        cache.put_metadata("https://h/t", &doc).await.unwrap();
        assert_eq!(
            cache.get_metadata("https://h/t").await.unwrap(),
            Some(doc.clone())
        );
        assert!(cache.get_metadata("https://h/u").await.unwrap().is_none());
        let file: Value = serde_json::from_slice(&std::fs::read(cache.path()).unwrap()).unwrap();
        assert_eq!(
            file["EntradMetadata"]["https://h/t"],
            json!({"document": {"token_endpoint": "https://h/t/oauth2/v2.0/token"}, "fetched_at": "1700000000"})
        );
        assert!(cache.get(&key("a")).await.unwrap().is_some());
        cache.remove_metadata("https://h/t").await.unwrap();
        assert!(cache.get_metadata("https://h/t").await.unwrap().is_none());
        assert!(cache.get(&key("a")).await.unwrap().is_some());
        assert!(
            cache
                .put_metadata(
                    "x",
                    &CachedMetadata {
                        document: "[1]".into(),
                        fetched_at: 1
                    }
                )
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn an_unreadable_metadata_section_is_a_miss_not_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(dir.path().join("cache.json"));
        cache.put(&key("a"), &token("one")).await.unwrap();
        let mut file: Value =
            serde_json::from_slice(&std::fs::read(cache.path()).unwrap()).unwrap();
        file["EntradMetadata"] = json!("not an object");
        std::fs::write(cache.path(), file.to_string()).unwrap();
        assert!(cache.get_metadata("n").await.unwrap().is_none());
        assert!(
            cache.get(&key("a")).await.unwrap().is_some(),
            "the tokens stay"
        );
        let doc = CachedMetadata {
            document: "{}".into(),
            fetched_at: 2,
        };
        cache.put_metadata("n", &doc).await.unwrap();
        assert_eq!(cache.get_metadata("n").await.unwrap(), Some(doc));
        assert!(cache.get(&key("a")).await.unwrap().is_some());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_device_or_an_oversized_file_is_an_error_not_a_corrupt_cache() {
        let e = FileCache::new("/dev/zero")
            .get(&key("a"))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "token cache error: cannot read /dev/zero");
        let cause = std::error::Error::source(&e).expect("the I/O error is the source");
        let io = cause.downcast_ref::<io::Error>().expect("an io::Error");
        assert_eq!(
            io.to_string(),
            "it is a character device, not a regular file"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(CACHE_FILE_LIMIT + 1).unwrap();
        let e = FileCache::new(&path).get(&key("a")).await.unwrap_err();
        let cause = std::error::Error::source(&e).expect("the I/O error is the source");
        assert_eq!(cause.to_string(), "it is larger than the limit of 64 MiB");
        assert!(path.exists(), "not set aside as corrupt");
    }
}
