//! The loopback redis-server scripts/test starts (`scripts/services/redis.sh`).

/// `ENTRAD_TEST_REDIS_URL` with one trailing `/`.
///
/// # Panics
/// When the variable is missing: tests that need Redis fail, naming scripts/test,
/// rather than skip.
pub fn redis_url() -> String {
    let url = std::env::var("ENTRAD_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "ENTRAD_TEST_REDIS_URL is not set: run scripts/test, which starts a loopback \
             redis-server, or start one and export it: redis-server --port 6391 --save '' \
             --daemonize yes; export ENTRAD_TEST_REDIS_URL=redis://127.0.0.1:6391/"
        )
    });
    format!("{}/", url.trim_end_matches('/'))
}

/// A key prefix no other test, process or earlier run uses: a cold cache of
/// one's own on the shared server.
pub fn fresh_redis_prefix() -> String {
    format!("entrad-test-{}:", uuid::Uuid::new_v4().simple())
}
