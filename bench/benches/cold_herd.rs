//! Cold herd: 1,000 concurrent `acquire_token` calls on a fresh client (empty
//! cache, no connection, no discovered metadata) against the in-process
//! emulator. Each herd is timed from the first spawn to the last answer, and
//! the emulator's counters tell how many token requests it took (goal: 1).
//! `1-caller` is the same cold path with one caller, for comparison.

use std::time::{Duration, Instant};

use criterion::Criterion;
use entrad_bench::Bench;

const CALLERS: usize = 1000;

/// What one herd cost.
struct Herd {
    elapsed: Duration,
    token_requests: u64,
    metadata_requests: u64,
}

async fn herd(bench: &Bench, callers: usize) -> Herd {
    let client = bench.client().expect("a token client");
    let scope = bench.parameters.scope[0].clone();
    bench.admin().reset_stats().await.expect("stats reset");
    let start = Instant::now();
    let calls: Vec<_> = (0..callers)
        .map(|_| {
            let (client, scope) = (client.clone(), scope.clone());
            tokio::spawn(async move { client.acquire_token(&[&scope]).await })
        })
        .collect();
    for call in calls {
        call.await
            .expect("the caller's task")
            .expect("every caller gets a token");
    }
    let elapsed = start.elapsed();
    let stats = bench.admin().stats().await.expect("stats");
    Herd {
        elapsed,
        token_requests: stats.route("token"),
        metadata_requests: stats.route("openid-configuration"),
    }
}

fn cold_herd(c: &mut Criterion) {
    let (rt, bench) = Bench::start_with_runtime(10, None).expect("the emulator starts");

    let mut group = c.benchmark_group("cold_herd");
    group.sample_size(20);
    for callers in [1, CALLERS] {
        let mut herds = 0u64;
        let mut most_requests = 0u64;
        let mut most_metadata = 0u64;
        group.bench_function(format!("{callers}-callers"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let herd = rt.block_on(herd(&bench, callers));
                    total += herd.elapsed;
                    herds += 1;
                    most_requests = most_requests.max(herd.token_requests);
                    most_metadata = most_metadata.max(herd.metadata_requests);
                }
                total
            });
        });
        println!(
            "cold_herd/{callers}-callers: token requests per herd: at most {most_requests} \
             (goal 1), OpenID metadata requests: at most {most_metadata}, over {herds} herds"
        );
        assert_eq!(
            most_requests, 1,
            "single flight: one token request per herd"
        );
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    cold_herd(&mut criterion);
    criterion.final_summary();
}
