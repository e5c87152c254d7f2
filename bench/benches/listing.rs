//! Listing in process: `GraphClient::pages("/v1.0/users?$top=999")` over every
//! page of a 10,000-user directory (11 pages), items parsed into JSON values
//! and dropped, with the emulator in the same process. The library's ceiling
//! for `entrad run`/`entrad users` before any output is written.

use std::hint::black_box;
use std::pin::pin;

use criterion::{Criterion, Throughput};
use entrad_bench::Bench;
use entrad_graph::GraphClient;
use futures_util::TryStreamExt as _;

const USERS: usize = 10_000;

async fn list_all(graph: &GraphClient) -> usize {
    let mut pages = pin!(graph.pages("/v1.0/users?$top=999"));
    let mut items = 0;
    while let Some(page) = pages.try_next().await.expect("a page") {
        items += black_box(page.value).len();
    }
    items
}

fn listing(c: &mut Criterion) {
    let (rt, bench) = Bench::start_with_runtime(USERS, None).expect("the emulator starts");
    let graph = GraphClient::builder(bench.client().expect("a token client"))
        .base_url(bench.emulator.emulator.url().clone())
        .build()
        .expect("a Graph client");
    assert_eq!(rt.block_on(list_all(&graph)), USERS, "every user listed");

    let mut group = c.benchmark_group("listing");
    group.sample_size(10);
    group.throughput(Throughput::Elements(USERS as u64));
    group.bench_function("users-10k/top=999", |b| {
        b.to_async(&rt).iter(|| list_all(&graph));
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    listing(&mut criterion);
    criterion.final_summary();
}
