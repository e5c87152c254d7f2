//! Cache hit: `ConfidentialClient::acquire_token` on a warm in-memory cache,
//! on one thread and on every core at once. A hit is served from the client's
//! own copy of its last token; the two parts of a lookup in the store (building
//! the cache key, reading the in-memory store), which a caller whose copy
//! misses pays, are measured on their own.
//!
//! `poll` polls the future once with no runtime around it (a hit never
//! waits, so one poll completes it): the cost of the hit itself. `await`
//! awaits it in a current-thread tokio runtime, as a daemon calls it.
//! MSAL Python's figure comes from `bench/msal_cache_hit.py`.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, Throughput};
use entrad_auth::{Authority, CacheKey, CachedToken, ConfidentialClient, MemoryCache, TokenCache};
use entrad_bench::Bench;
use futures_util::FutureExt as _;
use secrecy::SecretString;

/// One hit, polled once: a hit completes without waiting.
fn hit_now(client: &ConfidentialClient, scopes: &[&str]) -> entrad_auth::AccessToken {
    let token = client
        .acquire_token(scopes)
        .now_or_never()
        .expect("a cache hit completes on its first poll")
        .expect("a cached token");
    debug_assert!(token.from_cache());
    token
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Runs `per_thread(&prepare(), iters)` on `threads` threads released
/// together once prepared; the wall time from the first start to the last end.
fn on_all_threads<S>(
    threads: usize,
    iters: u64,
    prepare: impl Fn() -> S + Sync,
    per_thread: impl Fn(&S, u64) + Sync,
) -> Duration {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let state = prepare();
                    barrier.wait();
                    let start = Instant::now();
                    per_thread(&state, iters);
                    (start, Instant::now())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a bench thread"))
            .collect()
    });
    let first = spans
        .iter()
        .map(|s| s.0)
        .min()
        .expect("at least one thread");
    let last = spans
        .iter()
        .map(|s| s.1)
        .max()
        .expect("at least one thread");
    last - first
}

fn cache_hit(c: &mut Criterion) {
    let (server, bench) = Bench::start_with_runtime(10, Some(1)).expect("the emulator starts");
    let client = bench.client().expect("a token client");
    let scopes = bench.parameters.scopes();
    let first = server
        .block_on(client.acquire_token(&scopes))
        .expect("the first token");
    assert!(
        !first.from_cache(),
        "the first token comes from the emulator"
    );
    // A token due for refresh would start a background task: keep a runtime entered.
    let _entered = server.enter();
    assert!(hit_now(&client, &scopes).from_cache());

    let mut group = c.benchmark_group("cache_hit");
    group.throughput(Throughput::Elements(1));
    group.bench_function("1-thread/poll", |b| {
        b.iter(|| black_box(hit_now(&client, black_box(&scopes))));
    });
    let local = runtime();
    group.bench_function("1-thread/await", |b| {
        b.to_async(&local).iter(|| async {
            black_box(
                client
                    .acquire_token(black_box(&scopes))
                    .await
                    .expect("a cached token"),
            )
        });
    });

    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    group.throughput(Throughput::Elements(threads as u64));
    group.bench_function(format!("{threads}-threads/poll"), |b| {
        b.iter_custom(|iters| {
            on_all_threads(
                threads,
                iters,
                || server.enter(),
                |_, n| {
                    for _ in 0..n {
                        black_box(hit_now(&client, black_box(&scopes)));
                    }
                },
            )
        });
    });
    group.bench_function(format!("{threads}-threads/await"), |b| {
        b.iter_custom(|iters| {
            on_all_threads(threads, iters, runtime, |local, n| {
                local.block_on(async {
                    for _ in 0..n {
                        black_box(
                            client
                                .acquire_token(black_box(&scopes))
                                .await
                                .expect("a cached token"),
                        );
                    }
                });
            })
        });
    });
    group.finish();

    parts(
        c,
        &bench.parameters.authority,
        &bench.parameters.client_id,
        &scopes,
        first.secret(),
    );
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The two parts of a store lookup (a miss of the client's copy).
fn parts(c: &mut Criterion, authority: &str, client_id: &str, scopes: &[&str], secret: &str) {
    let authority = Authority::parse(authority).expect("the emulator's authority");
    let key = CacheKey::new(&authority, client_id, scopes);
    let now = now_secs();
    let store = MemoryCache::new();
    let token = CachedToken {
        // The emulator's token: as long as a real one.
        secret: SecretString::from(secret),
        token_type: "Bearer".into(),
        cached_at: now,
        expires_on: now + 3600,
        extended_expires_on: now + 3600,
        refresh_on: None,
        credential: None,
    };
    store
        .put(&key, &token)
        .now_or_never()
        .expect("the memory store never waits")
        .expect("stored");

    let mut group = c.benchmark_group("store_lookup");
    group.bench_function("cache_key", |b| {
        b.iter(|| black_box(CacheKey::new(&authority, client_id, black_box(scopes))));
    });
    group.bench_function("memory_get", |b| {
        b.iter(|| {
            black_box(
                store
                    .get(black_box(&key))
                    .now_or_never()
                    .expect("the memory store never waits")
                    .expect("no error"),
            )
        });
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    cache_hit(&mut criterion);
    criterion.final_summary();
}
