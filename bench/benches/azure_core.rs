//! The Azure SDK for Rust's view of a cache hit: `TokenCredential::get_token`
//! on a warm credential, awaited in a current-thread tokio runtime, for
//! entrad's bridge (`AzureCoreCredential` over a `ConfidentialClient`, feature
//! `azure-core`) and for azure_identity's own `ClientSecretCredential`, both
//! pointed at the same emulator and measured in one run. entrad's
//! `acquire_token` awaited directly is the third line: the bridge's own cost is
//! the difference.

use std::hint::black_box;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::ClientOptions;
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use criterion::{Criterion, Throughput};
use entrad_auth::AzureCoreCredential;
use entrad_bench::Bench;

fn azure_identity_credential(bench: &Bench) -> Arc<ClientSecretCredential> {
    let (host, tenant) = bench
        .parameters
        .authority
        .rsplit_once('/')
        .expect("the authority ends with the tenant");
    let mut cloud = azure_core::cloud::CustomConfiguration::default();
    cloud.authority_host = host.to_owned();
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            transport: Some(
                entrad_testkit::azure_transport(bench.emulator.emulator.ca_file())
                    .expect("a transport trusting the emulator"),
            ),
            cloud: Some(Arc::new(cloud.into())),
            ..ClientOptions::default()
        },
    };
    ClientSecretCredential::new(
        tenant,
        bench.parameters.client_id.clone(),
        Secret::new(bench.parameters.secret()),
        Some(options),
    )
    .expect("azure_identity's credential")
}

fn get_token_hit(c: &mut Criterion) {
    let (server, bench) = Bench::start_with_runtime(10, Some(1)).expect("the emulator starts");
    let scope = bench.parameters.scope[0].clone();
    let scopes = [scope.as_str()];
    let client = bench.client().expect("a token client");
    let entrad: Arc<dyn TokenCredential> = AzureCoreCredential::new(client).into_arc();
    let azure: Arc<dyn TokenCredential> = azure_identity_credential(&bench);

    // Warm both: one token request each, then every call below is a hit.
    server.block_on(async {
        bench.admin().reset_stats().await.expect("stats reset");
        for credential in [&entrad, &azure] {
            credential
                .get_token(&scopes, None)
                .await
                .expect("the first token");
        }
        assert_eq!(
            bench.admin().stats().await.expect("stats").route("token"),
            2,
            "each credential asked the emulator once"
        );
    });
    let _entered = server.enter();
    let direct = bench.client().expect("a token client");
    server
        .block_on(direct.acquire_token(&scopes))
        .expect("the direct client's first token");

    let local = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut group = c.benchmark_group("azure_core_get_token_hit");
    group.throughput(Throughput::Elements(1));
    for (name, credential) in [("entrad_bridge", &entrad), ("azure_identity", &azure)] {
        group.bench_function(name, |b| {
            b.to_async(&local).iter(|| async {
                black_box(
                    credential
                        .get_token(black_box(&scopes), None)
                        .await
                        .expect("a cached token"),
                )
            });
        });
    }
    group.bench_function("entrad_acquire_token", |b| {
        b.to_async(&local).iter(|| async {
            black_box(
                direct
                    .acquire_token(black_box(&scopes))
                    .await
                    .expect("a cached token"),
            )
        });
    });
    group.finish();

    // Still one token request each: every measured call was a hit.
    let requests = server
        .block_on(bench.admin().stats())
        .expect("stats")
        .route("token");
    assert_eq!(requests, 3, "a measured call asked the emulator");
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    get_token_hit(&mut criterion);
    criterion.final_summary();
}
