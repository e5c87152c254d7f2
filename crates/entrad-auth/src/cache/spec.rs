//! Choosing a store by name: `memory`, `file`, `file:PATH`, `redis://...`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use url::Url;

use super::redacted_url::redacted;
use super::{FallbackCache, FileCache, MemoryCache, TokenCache};
use crate::{Error, Result};

/// Which token cache to use, as a command line or a config file names it:
///
/// * `memory`: process memory only.
/// * `file`: a [`FileCache`] at [`FileCache::default_path`].
/// * `file:PATH`: a [`FileCache`] at `PATH`.
/// * `redis://[user][:password@]host[:port][/db][?prefix=P]` or `rediss://...`:
///   a Redis cache (feature `redis`), its entries encrypted when
///   `ENTRAD_CACHE_KEY` holds a key.
///
/// `Display` and `Debug` never show a Redis password.
///
/// ```
/// use entrad_auth::CacheSpec;
///
/// assert_eq!("memory".parse::<CacheSpec>()?, CacheSpec::Memory);
/// assert_eq!("file:/var/cache/app.json".parse::<CacheSpec>()?.to_string(), "file:/var/cache/app.json");
/// let redis: CacheSpec = "redis://:pw@10.0.0.5:6379/1".parse()?;
/// assert_eq!(redis.to_string(), "redis://10.0.0.5:6379/1");
/// assert!("memcached://x".parse::<CacheSpec>().is_err());
/// # Ok::<(), entrad_auth::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum CacheSpec {
    /// Process memory only.
    Memory,
    /// A file shared with other processes and MSAL apps: the default path when `None`.
    File(Option<PathBuf>),
    /// A Redis server (the URL may hold a password).
    Redis(Url),
}

impl CacheSpec {
    /// Parses `memory`, `file`, `file:PATH`, `redis://...` or `rediss://...`.
    pub fn parse(text: &str) -> Result<CacheSpec> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("memory") {
            return Ok(CacheSpec::Memory);
        }
        if text.eq_ignore_ascii_case("file") {
            return Ok(CacheSpec::File(None));
        }
        if let Some(path) = text.strip_prefix("file:") {
            if path.is_empty() {
                return Err(Error::Config(
                    "cache \"file:\" names no path (give file:PATH, or file for the default)"
                        .into(),
                ));
            }
            return Ok(CacheSpec::File(Some(PathBuf::from(path))));
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("redis://") || lower.starts_with("rediss://") {
            return Url::parse(text).map(CacheSpec::Redis).map_err(|_| {
                Error::Config("the Redis cache URL is not valid (redis://host:port/db)".into())
            });
        }
        Err(Error::Config(
            "unknown token cache: use memory, file, file:PATH or redis://host:port/db".into(),
        ))
    }

    /// The store. File and Redis stores are wrapped in a [`FallbackCache`], so
    /// one that cannot be reached degrades to memory with one warning; with no
    /// user cache directory, `file` is memory (with a warning). Errors only for
    /// what the user must fix: a Redis URL it cannot use, a bad
    /// `ENTRAD_CACHE_KEY`, or a Redis cache in a build without the `redis` feature.
    pub fn build(&self) -> Result<Arc<dyn TokenCache>> {
        match self {
            CacheSpec::Memory => Ok(Arc::new(MemoryCache::new())),
            CacheSpec::File(path) => {
                let Some(path) = path.clone().or_else(FileCache::default_path) else {
                    tracing::warn!(
                        "no user cache directory (is HOME set?); keeping tokens in memory"
                    );
                    return Ok(Arc::new(MemoryCache::new()));
                };
                Ok(Arc::new(FallbackCache::new(Arc::new(FileCache::new(path)))))
            }
            CacheSpec::Redis(url) => build_redis(url),
        }
    }
}

#[cfg(feature = "redis")]
fn build_redis(url: &Url) -> Result<Arc<dyn TokenCache>> {
    let mut cache = super::RedisCache::new(url.as_str())?;
    if let Some(key) = super::EncryptionKey::from_env()? {
        cache = cache.with_encryption(key);
    }
    Ok(Arc::new(FallbackCache::new(Arc::new(cache))))
}

#[cfg(not(feature = "redis"))]
fn build_redis(url: &Url) -> Result<Arc<dyn TokenCache>> {
    Err(Error::Config(format!(
        "{}: this build has no Redis cache (entrad-auth feature `redis`)",
        redacted(url)
    )))
}

impl FromStr for CacheSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<CacheSpec> {
        CacheSpec::parse(text)
    }
}

impl fmt::Display for CacheSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheSpec::Memory => f.write_str("memory"),
            CacheSpec::File(None) => f.write_str("file"),
            CacheSpec::File(Some(path)) => write!(f, "file:{}", path.display()),
            CacheSpec::Redis(url) => f.write_str(&redacted(url)),
        }
    }
}

impl fmt::Debug for CacheSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheSpec({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(CacheSpec::parse(" Memory ").unwrap(), CacheSpec::Memory);
        assert_eq!(CacheSpec::parse("file").unwrap(), CacheSpec::File(None));
        assert_eq!(
            CacheSpec::parse("file:rel/c.json").unwrap(),
            CacheSpec::File(Some("rel/c.json".into()))
        );
        assert!(CacheSpec::parse("file:").is_err());
        assert!(matches!(
            CacheSpec::parse("rediss://h:6380").unwrap(),
            CacheSpec::Redis(_)
        ));
        let e = CacheSpec::parse("redis://:secret@[bad").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert_eq!(
            CacheSpec::parse("sqlite:x").unwrap_err().kind(),
            crate::ErrorKind::Config
        );
    }

    #[test]
    fn display_and_debug_hide_the_password() {
        let spec = CacheSpec::parse("redis://user:secret@h:1/2?prefix=p").unwrap();
        assert_eq!(spec.to_string(), "redis://h:1/2");
        assert!(!format!("{spec:?}").contains("secret"));
    }

    #[tokio::test]
    async fn memory_and_file_build() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        let built = CacheSpec::File(Some(file.clone())).build().unwrap();
        assert!(format!("{built:?}").contains("FallbackCache"));
        assert!(format!("{:?}", CacheSpec::Memory.build().unwrap()).contains("MemoryCache"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted `--cache` / `ENTRAD_CACHE` text: Ok or a one-line error, never a panic.
        #[test]
        fn prop_cache_spec_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "(memory|file|file:|redis://|rediss://|REDIS://)[a-zA-Z0-9:@/\\[\\]%.\n -]{0,16}",
            ]
        ) {
            if let Err(e) = CacheSpec::parse(&input) {
                let message = e.to_string();
                proptest::prop_assert!(!message.contains('\n'), "{message}");
            }
        }
    }
}
