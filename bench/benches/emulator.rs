//! Emulator capacity: token requests and Graph user pages it serves per
//! second, with 32 requests in flight from one keep-alive HTTP client in the
//! same process. The load generator shares the machine's cores with the
//! emulator, so these are lower bounds of what it can serve.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use entrad_bench::Bench;

const IN_FLIGHT: u64 = 32;
const USERS: usize = 10_000;

/// What one request is.
#[derive(Clone)]
enum Load {
    Token {
        url: String,
        form: Arc<Vec<(&'static str, String)>>,
    },
    Page {
        url: String,
        bearer: Arc<str>,
    },
}

impl Load {
    async fn send(&self, http: &reqwest::Client) -> usize {
        let request = match self {
            Load::Token { url, form } => http.post(url).form(form.as_slice()),
            Load::Page { url, bearer } => http.get(url).bearer_auth(bearer),
        };
        let response = request.send().await.expect("the emulator answers");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.bytes().await.expect("a body").len()
    }
}

/// Sends `total` requests, `IN_FLIGHT` at a time; the wall time.
async fn drive(http: &reqwest::Client, load: &Load, total: u64) -> Duration {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT.min(total))
        .map(|_| {
            let (http, load, next) = (http.clone(), load.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    load.send(&http).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a load task");
    }
    start.elapsed()
}

fn emulator(c: &mut Criterion) {
    let (rt, bench) = Bench::start_with_runtime(USERS, None).expect("the emulator starts");
    let http = bench.http();
    let client = bench.client().expect("a token client");
    let token = rt
        .block_on(client.acquire_token(&bench.parameters.scopes()))
        .expect("a token");
    let bearer: Arc<str> = Arc::from(token.secret());
    let token_load = Load::Token {
        url: bench.token_endpoint(),
        form: Arc::new(vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", bench.parameters.client_id.clone()),
            ("client_secret", bench.parameters.secret()),
            ("scope", bench.parameters.scope.join(" ")),
        ]),
    };
    let page = |top: u32| Load::Page {
        url: format!("{}?$top={top}", bench.parameters.endpoint),
        bearer: Arc::clone(&bearer),
    };
    let page_bytes = |load: &Load| rt.block_on(load.send(&http));

    let mut group = c.benchmark_group("emulator");
    group.throughput(Throughput::Elements(1));
    let loads = [
        ("token".to_owned(), token_load),
        ("users-page/top=100".to_owned(), page(100)),
        ("users-page/top=999".to_owned(), page(999)),
    ];
    for (name, load) in &loads {
        if let Load::Page { .. } = load {
            println!("emulator/{name}: one page is {} bytes", page_bytes(load));
        }
        group.bench_function(name, |b| {
            b.iter_custom(|iters| rt.block_on(drive(&http, load, iters)));
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    emulator(&mut criterion);
    criterion.final_summary();
}
