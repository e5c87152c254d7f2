//! The fuzz targets' inputs, replayed on stable: every seed of
//! `fuzz/corpus/<target>/` and every crash kept in `fuzz/regressions/<target>/`
//! goes through the same entry point as the fuzzer, which panics when an
//! invariant breaks.

use entrad_testkit::replay_fuzz_inputs as replay;

#[test]
fn graph_page() {
    replay("graph_page", entrad_graph::fuzz::page);
}

#[test]
fn graph_batch_response() {
    replay("graph_batch_response", entrad_graph::fuzz::batch_response);
}

#[test]
fn graph_claims_challenge() {
    replay(
        "graph_claims_challenge",
        entrad_graph::fuzz::claims_challenge,
    );
}
